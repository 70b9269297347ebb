-- Signed webhooks (issue 12, item 4): an account's endpoints, one delivery per event and
-- endpoint in the event outbox, and every attempt made.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- empty: every event type
    event_types text[] NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    -- why it was turned off: 'gone' (the receiver answered 410), 'failing' (5 days of failure), 'owner'
    disabled_reason text CHECK (disabled_reason IN ('gone', 'failing', 'owner')),
    -- the signing secret's bytes, encrypted with AES-256-GCM (12-byte nonce, then the
    -- ciphertext and its tag): never stored in clear (see `webhooks::SecretBox`)
    secret_encrypted bytea NOT NULL,
    -- after a rotation, the former secret keeps signing until previous_secret_until
    previous_secret_encrypted bytea,
    previous_secret_until timestamptz,
    -- the first failure of the current run of failures (NULL once an attempt succeeds)
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX webhook_endpoints_account_idx ON webhook_endpoints (account_id, id) WHERE deleted_at IS NULL;

-- Deliveries: a webhook delivery names its endpoint; the mail path is unchanged.
ALTER TABLE event_deliveries ADD COLUMN endpoint_id uuid REFERENCES webhook_endpoints (id);
ALTER TABLE event_deliveries DROP CONSTRAINT event_deliveries_subscriber_check;
ALTER TABLE event_deliveries ADD CONSTRAINT event_deliveries_subscriber_check CHECK (
    (subscriber = 'mail' AND endpoint_id IS NULL) OR (subscriber = 'webhook' AND endpoint_id IS NOT NULL));
ALTER TABLE event_deliveries DROP CONSTRAINT event_deliveries_event_id_subscriber_key;
-- one mail per event, one delivery per event and endpoint
ALTER TABLE event_deliveries ADD CONSTRAINT event_deliveries_event_subscriber_endpoint_key
    UNIQUE NULLS NOT DISTINCT (event_id, subscriber, endpoint_id);
CREATE INDEX event_deliveries_endpoint_idx ON event_deliveries (endpoint_id, id) WHERE endpoint_id IS NOT NULL;

CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES event_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL,
    -- the receiver's HTTP status, when it answered
    status_code integer,
    -- why it failed (timeout, connection refused, a non-2xx status), if it did
    error text,
    duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);

-- E-mails to an endpoint's owner (it was disabled after 5 days of failure), sent by the mail
-- worker like the outbox's: leased with SKIP LOCKED, retried on temporary SMTP failures.
CREATE TABLE webhook_notices (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id),
    recipient text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    lease_token uuid,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX webhook_notices_due_idx ON webhook_notices (next_attempt_at) WHERE status = 'pending';
