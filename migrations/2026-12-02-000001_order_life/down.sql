DROP TABLE scheduled_jobs;
DROP TABLE certificates;
ALTER TABLE events DROP COLUMN detail;
ALTER TABLE events DROP COLUMN actor_id;
ALTER TABLE orders DROP COLUMN life;
