-- A delivery's bot runs, read by a dry-run replay (npm run cli -- deliveries replay --dry-run).
CREATE INDEX dispatches_delivery ON dispatches (delivery_id);
