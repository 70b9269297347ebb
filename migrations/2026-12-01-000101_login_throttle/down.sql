DROP INDEX idempotency_keys_created_at;
DROP TABLE login_address_failures;
DROP TABLE login_failures;
CREATE TABLE login_failures (
    username text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz
);
