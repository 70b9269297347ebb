ALTER TABLE orders DROP COLUMN agent_id;
DROP TABLE partner_clients;
