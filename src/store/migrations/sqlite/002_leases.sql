-- Leases: who runs a partition (dispatch c:<id>, outbox o:<id>) or holds the leader role, until when.
-- With SQLite there is one process, so every claim succeeds; the table keeps the logic shared.
CREATE TABLE partition_leases (
  partition TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

-- The instance that marked an outbox item `sending`: a crash leaves a recognisable row.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
