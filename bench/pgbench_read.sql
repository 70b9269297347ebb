-- GET /orders/{id}: the statement the service runs (see run.sh's "the service's own SQL"),
-- for an order owned by one of the signed-in accounts. The ids are computed from two random
-- numbers (pgbench variables are numbers), the same ids the service is asked for.
\set k random(1, :tokens)
\set j random(0, :per_account - 1)
\set n :k + :accounts * :j
SELECT "orders"."id", "orders"."number", "orders"."account_id", "orders"."status", "orders"."version", "orders"."authority", "orders"."partner_choice", "orders"."partner_code", "orders"."partner_fixed", "orders"."duration_months", "orders"."generation_method", "orders"."csr", "orders"."fqdn", "orders"."additional_domains", "orders"."holder", "orders"."payment", "orders"."terms", "orders"."submitted", "orders"."created_at", "orders"."updated_at", "orders"."submitted_at", "orders"."cancelled_at", "orders"."life", "orders"."agent_id" FROM "orders" WHERE (("orders"."id" = ('00000000-0000-7000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid) AND ("orders"."account_id" = ('00000000-0000-4000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid)) LIMIT 1;
