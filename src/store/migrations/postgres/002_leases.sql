-- Leases: which instance runs a partition (dispatch c:<id>, outbox o:<id>) or holds the leader
-- role, until when. An instance that dies stops renewing; another takes over after expires_at.
CREATE TABLE partition_leases (
  partition TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at TEXT COLLATE "C" NOT NULL
);

-- The instance that marked an outbox item `sending`: a crash leaves a recognisable row, and only
-- rows whose owner no longer holds the conversation's outbox lease count as interrupted.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
