DROP TABLE order_documents;
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
INSERT INTO outbox (id, order_id, kind, recipient, status, attempts, next_attempt_at, last_error, created_at, sent_at)
SELECT e.id, e.order_id, 'order_submitted', d.recipient, d.status, d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.delivered_at
FROM events e JOIN event_deliveries d ON d.event_id = e.id AND d.subscriber = 'mail'
WHERE e.event_type = 'order.submitted';
DROP TABLE event_deliveries;
DROP TABLE events;
DROP INDEX orders_status_idx;
ALTER TABLE orders DROP CONSTRAINT orders_submission_check;
DELETE FROM orders WHERE status NOT IN ('draft', 'submitted', 'cancelled');
ALTER TABLE orders ADD CONSTRAINT orders_check1 CHECK ((status = 'submitted') = (submitted_at IS NOT NULL AND submitted IS NOT NULL));
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('draft', 'submitted', 'cancelled'));
