-- Sign-in throttling that does not hand attackers a lock-out of their victims. Failures are
-- counted per (username, client address): guessing a username's password from one address
-- locks that pair only, and the right password from another address still signs in. A
-- separate, higher limit counts failures per client address whatever the usernames, against
-- one address trying many accounts. Counters are kept in the database so that every replica
-- counts the same; each is read and changed by one INSERT ... ON CONFLICT ... RETURNING.
DROP TABLE login_failures;

CREATE TABLE login_failures (
    username text NOT NULL,
    client_addr text NOT NULL,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (username, client_addr)
);
CREATE INDEX login_failures_last_failure_at ON login_failures (last_failure_at);

CREATE TABLE login_address_failures (
    client_addr text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz
);
CREATE INDEX login_address_failures_last_failure_at ON login_address_failures (last_failure_at);

-- The housekeeping task purges expired idempotency keys by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
