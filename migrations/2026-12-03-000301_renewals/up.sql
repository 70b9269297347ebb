-- Renewals (SPEC §9): the scheduler reminds the customer when a certificate's renewal window
-- opens and 7 days before it expires, and ends the plan when its last certificate expires.
ALTER TABLE scheduled_jobs DROP CONSTRAINT scheduled_jobs_kind_check;
ALTER TABLE scheduled_jobs ADD CONSTRAINT scheduled_jobs_kind_check CHECK (kind IN (
    'issue', 'acceptance_reminder', 'acceptance_deadline',
    'renewal_window', 'expiry_reminder', 'certificate_expiry'));
