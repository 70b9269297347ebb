-- Domain control validation (SPEC §9): one row per name of a submitted order (a wildcard on
-- its base domain). The scheduler's rechecks claim due rows with FOR UPDATE SKIP LOCKED and
-- hold them by a lease (`lease_until`) while the DNS query or HTTP fetch runs, outside any
-- transaction: once per due domain across replicas.
CREATE TABLE domain_controls (
    order_id uuid NOT NULL REFERENCES orders (id),
    name text NOT NULL,
    wildcard boolean NOT NULL,
    method text NOT NULL CHECK (method IN ('dns-txt', 'http-file')),
    token text NOT NULL,
    token_expires_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'valid')),
    validated_at timestamptz,
    validated_method text CHECK (validated_method IN ('dns-txt', 'http-file')),
    validated_answer text,
    valid_until timestamptz,
    last_checked_at timestamptz,
    -- {"code": "...", "seen": "..."|null, "values": [...]|null}
    last_diagnosis jsonb,
    pending_since timestamptz NOT NULL,
    next_check_at timestamptz,
    lease_until timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, name),
    CHECK (method <> 'http-file' OR NOT wildcard)
);
CREATE INDEX domain_controls_due_idx ON domain_controls (next_check_at)
    WHERE status = 'pending' AND next_check_at IS NOT NULL;
