-- Leases table, mirroring PostgreSQL's. Unused on SQLite: a single process keeps its leases in
-- memory (src/store/leases.ts), so claims cost no fsync.
CREATE TABLE partition_leases (
  partition TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

-- The instance that marked an outbox item `sending`: a crash leaves a recognisable row.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
