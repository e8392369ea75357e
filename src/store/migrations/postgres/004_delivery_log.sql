-- The delivery log (issue 16): every authenticated delivery that decodes is kept, also when our
-- schema cannot read it (status 'quarantined', the reason in `error`), so it can be inspected and
-- replayed. 'failed' was the old name of quarantined.
UPDATE deliveries SET status = 'quarantined' WHERE status = 'failed';

-- The request a delivery came in (several deliveries share one: a SuperViz batch); NULL for
-- deliveries a poller stored. `recovered`: stored by a catch-up poller, not by its webhook.
ALTER TABLE deliveries ADD COLUMN request_key TEXT;
ALTER TABLE deliveries ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;
-- When retention dropped the raw payload (the row stays: dedupe needs it).
ALTER TABLE deliveries ADD COLUMN pruned_at TEXT COLLATE "C";

-- Raw bodies as received, with the headers we keep (secrets removed).
CREATE TABLE delivery_requests (
  key TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  content_type TEXT,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT COLLATE "C" NOT NULL
);

CREATE INDEX deliveries_log ON deliveries (provider, id);
CREATE INDEX deliveries_quarantined ON deliveries (provider) WHERE status = 'quarantined';
-- A raw body is dropped once no delivery it carried still has its payload.
CREATE INDEX deliveries_live_request ON deliveries (request_key) WHERE pruned_at IS NULL;
-- Retention reads the oldest processed deliveries not pruned yet, a small batch at a time.
CREATE INDEX deliveries_prunable ON deliveries (received_at) WHERE status = 'processed' AND pruned_at IS NULL;

ALTER TABLE provider_stats ADD COLUMN rejected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE provider_stats ADD COLUMN recovered BIGINT NOT NULL DEFAULT 0;
