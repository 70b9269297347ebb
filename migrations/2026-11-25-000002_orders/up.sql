CREATE SEQUENCE order_number_seq;

-- A certificate order: a draft that each wizard step patches, then submitted ("commander").
CREATE TABLE orders (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    account_id uuid NOT NULL REFERENCES accounts (id),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'cancelled')),
    version integer NOT NULL DEFAULT 1,
    -- the steps of the wizard, each NULL until answered
    authority text,
    partner_choice text CHECK (partner_choice IN ('none', 'partner')),
    partner_code text,
    partner_fixed boolean NOT NULL DEFAULT false,
    duration_months integer,
    generation_method text CHECK (generation_method IN ('csr', 'generate')),
    -- the verified CSR: origin (pasted or generated), decoded details and PEM, domain names
    csr jsonb,
    fqdn text,
    additional_domains jsonb NOT NULL DEFAULT '[]',
    holder jsonb,
    payment jsonb,
    terms jsonb,
    -- frozen by "commander"
    submitted jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    cancelled_at timestamptz,
    CHECK ((partner_choice = 'partner') = (partner_code IS NOT NULL)),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL AND submitted IS NOT NULL))
);
CREATE INDEX orders_account_id_idx ON orders (account_id, id DESC);
CREATE INDEX orders_partner_code_idx ON orders (partner_code, id DESC) WHERE partner_code IS NOT NULL;

-- Retry safety: the first answer to a POST carrying an Idempotency-Key, replayed to retries.
CREATE TABLE idempotency_keys (
    account_id uuid NOT NULL REFERENCES accounts (id),
    scope text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status_code integer NOT NULL,
    response jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, scope, key)
);
