-- The order's whole life (SPEC §8): every status of the state machine, and the data that
-- "commander" freezes kept for every status after submission (a cancelled order may have
-- been submitted).
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN (
    'draft', 'submitted', 'validated', 'issued', 'active', 'expired', 'rejected', 'cancelled', 'revoked'));
ALTER TABLE orders DROP CONSTRAINT orders_check1;
ALTER TABLE orders ADD CONSTRAINT orders_submission_check CHECK (
    (submitted_at IS NULL) = (submitted IS NULL)
    AND (status <> 'draft' OR submitted_at IS NULL)
    AND (status IN ('draft', 'cancelled') OR submitted_at IS NOT NULL));
CREATE INDEX orders_status_idx ON orders (status, id DESC);

-- The event outbox: every state change of an order writes its event here, in the same
-- transaction. Subscribers (the e-mail sender now; webhooks and the scheduler later) each
-- get a delivery row, claimed with a lease and SKIP LOCKED.
CREATE TABLE events (
    id uuid PRIMARY KEY,
    event_type text NOT NULL CHECK (event_type ~ '^[a-z]+\.[a-z_]+$'),
    order_id uuid NOT NULL REFERENCES orders (id),
    -- who may see it: the order's owner and the partner it names
    account_id uuid NOT NULL REFERENCES accounts (id),
    partner_code text,
    occurred_at timestamptz NOT NULL,
    -- the thin payload sent to subscribers (type, time, order id, number, status)
    payload jsonb NOT NULL
);
CREATE INDEX events_order_idx ON events (order_id, id);
CREATE INDEX events_account_idx ON events (account_id, id);

CREATE TABLE event_deliveries (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES events (id),
    subscriber text NOT NULL CHECK (subscriber IN ('mail')),
    -- the e-mail address (mail)
    recipient text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- a worker's claim: until then no other worker takes it; the token proves the claim
    lease_until timestamptz,
    lease_token uuid,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    UNIQUE (event_id, subscriber)
);
CREATE INDEX event_deliveries_due_idx ON event_deliveries (subscriber, next_attempt_at) WHERE status = 'pending';

-- The e-mail-only outbox becomes an event and its mail delivery, state kept.
INSERT INTO events (id, event_type, order_id, account_id, partner_code, occurred_at, payload)
SELECT x.id, 'order.submitted', o.id, o.account_id, o.partner_code, o.submitted_at,
       jsonb_build_object('type', 'order.submitted', 'timestamp', o.submitted_at,
           'data', jsonb_build_object('order_id', o.id, 'number', o.number, 'status', o.status))
FROM outbox x JOIN orders o ON o.id = x.order_id;
INSERT INTO event_deliveries (id, event_id, subscriber, recipient, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
SELECT gen_random_uuid(), x.id, 'mail', x.recipient, x.status, x.attempts, x.next_attempt_at, x.last_error, x.created_at, x.sent_at
FROM outbox x;
DROP TABLE outbox;

-- Justificatifs: the slots computed at "commander", one row each, so that uploads and
-- reviews (SPEC §8) have a place to go.
CREATE TABLE order_documents (
    order_id uuid NOT NULL REFERENCES orders (id),
    -- the justificatif's code, e.g. extrait_kbis
    code text NOT NULL,
    position integer NOT NULL,
    status text NOT NULL DEFAULT 'required' CHECK (status IN ('required', 'uploaded', 'accepted', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, code)
);
INSERT INTO order_documents (order_id, code, position)
SELECT o.id, d.value ->> 'code', d.ordinality::integer
FROM orders o, jsonb_array_elements(o.submitted -> 'documents') WITH ORDINALITY AS d
WHERE o.submitted IS NOT NULL;

-- Idempotency keys now keep the order's snapshot, not an HTTP body: drop the old answers.
DELETE FROM idempotency_keys;
