DELETE FROM scheduled_jobs WHERE kind IN ('renewal_window', 'expiry_reminder', 'certificate_expiry');
ALTER TABLE scheduled_jobs DROP CONSTRAINT scheduled_jobs_kind_check;
ALTER TABLE scheduled_jobs ADD CONSTRAINT scheduled_jobs_kind_check CHECK (kind IN (
    'issue', 'acceptance_reminder', 'acceptance_deadline'));
