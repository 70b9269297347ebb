DROP TABLE idempotency_keys; DROP TABLE orders; DROP SEQUENCE order_number_seq;
