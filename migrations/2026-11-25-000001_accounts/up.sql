-- Accounts of the customer space ("Espace client"): who may sign in, with which role, and the
-- organization that later serves as the "self" domain holder (titulaire).
CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 3 AND 64),
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('customer', 'partner', 'operator')),
    email text NOT NULL,
    full_name text NOT NULL,
    phone text,
    partner_code text UNIQUE,
    organization_name text NOT NULL,
    organization_kind text NOT NULL DEFAULT 'company'
        CHECK (organization_kind IN ('company', 'public_body', 'association')),
    registration_number text,
    address text NOT NULL,
    postal_code text,
    city text NOT NULL,
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    legal_representative boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'partner') = (partner_code IS NOT NULL))
);

-- Sign-in throttling: consecutive failures per username (known or not), kept in the database
-- so that every replica sees the same count.
CREATE TABLE login_failures (
    username text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz
);
