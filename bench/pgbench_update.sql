-- PATCH /orders/{id} {"duration_months": 12|24}: the transaction the service runs (see
-- run.sh's "the service's own SQL"): lock the row, write every step column back with the
-- version bumped, filtered on the old version and the draft status, read the row back.
-- The values written are those read (\gset), the duration flipped between 12 and 24; the
-- columns a draft leaves NULL are written NULL.
\set k random(1, :tokens)
\set j random(0, :per_account - 1)
\set n :k + :accounts * :j
BEGIN;
SELECT "orders"."id", "orders"."number", "orders"."account_id", "orders"."status", "orders"."version", "orders"."authority", "orders"."partner_choice", "orders"."partner_code", "orders"."partner_fixed", "orders"."duration_months", "orders"."generation_method", "orders"."csr", "orders"."fqdn", "orders"."additional_domains", "orders"."holder", "orders"."payment", "orders"."terms", "orders"."submitted", "orders"."created_at", "orders"."updated_at", "orders"."submitted_at", "orders"."cancelled_at", "orders"."life", "orders"."agent_id" FROM "orders" WHERE ("orders"."id" = ('00000000-0000-7000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid) LIMIT 1 FOR UPDATE \gset o_
UPDATE "orders" SET "status" = :o_status, "version" = :o_version + 1, "authority" = :o_authority, "partner_choice" = :o_partner_choice, "partner_code" = NULL, "partner_fixed" = :o_partner_fixed, "duration_months" = 36 - :o_duration_months, "generation_method" = :o_generation_method, "csr" = :o_csr, "fqdn" = :o_fqdn, "additional_domains" = :o_additional_domains, "holder" = :o_holder, "payment" = :o_payment, "terms" = :o_terms, "submitted" = NULL, "updated_at" = now(), "submitted_at" = NULL, "cancelled_at" = NULL, "life" = :o_life WHERE "orders"."id" = :o_id AND "orders"."version" = :o_version AND "orders"."status" = 'draft' RETURNING "orders"."id", "orders"."number", "orders"."account_id", "orders"."status", "orders"."version", "orders"."authority", "orders"."partner_choice", "orders"."partner_code", "orders"."partner_fixed", "orders"."duration_months", "orders"."generation_method", "orders"."csr", "orders"."fqdn", "orders"."additional_domains", "orders"."holder", "orders"."payment", "orders"."terms", "orders"."submitted", "orders"."created_at", "orders"."updated_at", "orders"."submitted_at", "orders"."cancelled_at", "orders"."life", "orders"."agent_id";
COMMIT;
