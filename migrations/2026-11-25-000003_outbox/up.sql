-- E-mails to send, queued in the same transaction as the change that causes them and sent by
-- a background worker (claimed with FOR UPDATE SKIP LOCKED, so any replica may run one).
CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    kind text NOT NULL CHECK (kind IN ('order_submitted')),
    recipient text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    UNIQUE (order_id, kind)
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE status = 'pending';
