DROP TABLE webhook_attempts;
DELETE FROM event_deliveries WHERE subscriber = 'webhook';
ALTER TABLE event_deliveries DROP CONSTRAINT event_deliveries_event_subscriber_endpoint_key;
ALTER TABLE event_deliveries ADD CONSTRAINT event_deliveries_event_id_subscriber_key UNIQUE (event_id, subscriber);
ALTER TABLE event_deliveries DROP CONSTRAINT event_deliveries_subscriber_check;
ALTER TABLE event_deliveries ADD CONSTRAINT event_deliveries_subscriber_check CHECK (subscriber IN ('mail'));
DROP INDEX event_deliveries_endpoint_idx;
ALTER TABLE event_deliveries DROP COLUMN endpoint_id;
DROP TABLE webhook_endpoints;
