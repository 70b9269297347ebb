-- API clients (server-to-server credentials, OAuth 2.0 client credentials) and the refresh
-- tokens of people's sessions. Secrets and refresh tokens are random (256 bits) and stored
-- only as their SHA-256 (hex): a slow password hash adds nothing to that much entropy.
CREATE TABLE api_clients (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    -- `coc_…`, public, what the client sends as client_id.
    client_id text NOT NULL UNIQUE CHECK (client_id ~ '^coc_[A-Za-z0-9]{20,64}$'),
    secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- A non-empty subset of the closed set of scopes, space-separated (as in a token's
    -- `scope` claim).
    scopes text NOT NULL CHECK (
        scopes <> ''
        AND string_to_array(scopes, ' ') <@ ARRAY['orders:read', 'orders:write', 'documents:write', 'webhooks:manage', 'events:read']::text[]
    ),
    created_at timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_clients_account_id ON api_clients (account_id, created_at);

-- A person's refresh tokens. Each use rotates the token (the used one is marked `used_at`
-- and a new one of the same family is issued); a second use of a used token revokes the
-- whole family (RFC 9700 §4.14.2), as does signing out.
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts (id),
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
