-- The life after "Commander" (SPEC §8): what operators and customers decided about a
-- submitted order (payment, approval or rejection, the certificate's acceptance, revocation,
-- cancellation and refund), kept as one JSON document owned by the order aggregate.
ALTER TABLE orders ADD COLUMN life jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Who did it (an account; null for the service itself, e.g. the scheduler) and what the
-- timeline shows of it (a reason, a reference).
ALTER TABLE events ADD COLUMN actor_id uuid REFERENCES accounts (id);
ALTER TABLE events ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'::jsonb;

-- The certificates of an order: the chain (leaf first, PEM) and what the API shows of it.
-- Certificates are public: nothing here is secret.
CREATE TABLE certificates (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    serial text NOT NULL,
    -- sandbox: issued by the local test CA; manual: uploaded by an operator
    source text NOT NULL CHECK (source IN ('sandbox', 'manual')),
    chain_pem text NOT NULL,
    summary jsonb NOT NULL,
    issued_at timestamptz NOT NULL,
    UNIQUE (order_id, serial)
);
CREATE INDEX certificates_order_idx ON certificates (order_id, issued_at DESC);

-- Work due at a time (deadlines, reminders, issuance): every replica runs the scheduler;
-- a job is claimed with FOR UPDATE SKIP LOCKED and done in the claiming transaction, once.
CREATE TABLE scheduled_jobs (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('issue', 'acceptance_reminder', 'acceptance_deadline')),
    order_id uuid NOT NULL REFERENCES orders (id),
    due_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz,
    UNIQUE (kind, order_id)
);
CREATE INDEX scheduled_jobs_due_idx ON scheduled_jobs (due_at) WHERE status = 'pending';
