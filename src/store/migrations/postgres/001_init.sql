-- The SQLite schema (migrations/sqlite/001_init.sql) in PostgreSQL terms. Timestamps stay ISO 8601
-- TEXT so the shared store logic compares them as strings in both dialects; COLLATE "C" makes
-- that comparison byte order whatever the database's default collation is.

CREATE TABLE deliveries (
  id BIGSERIAL PRIMARY KEY,
  provider TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at TEXT COLLATE "C" NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | processed | failed
  error TEXT,
  UNIQUE (provider, dedupe_key)
);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE status = 'pending';

CREATE TABLE conversations (
  id BIGSERIAL PRIMARY KEY,
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  title TEXT,
  status TEXT NOT NULL DEFAULT 'open', -- open | handoff
  address TEXT NOT NULL DEFAULT '{}',
  last_message_at TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (provider, external_id)
);

CREATE TABLE participants (
  id BIGSERIAL PRIMARY KEY,
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT,
  role TEXT NOT NULL,
  presence TEXT,
  presence_at TEXT COLLATE "C",
  UNIQUE (provider, external_id)
);

CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  conversation_id BIGINT NOT NULL REFERENCES conversations (id),
  provider TEXT NOT NULL,
  external_id TEXT, -- NULL while an outbound message is not yet sent
  direction TEXT NOT NULL,
  author_id TEXT NOT NULL,
  author_name TEXT,
  author_role TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT,
  media TEXT,
  sent_at TEXT COLLATE "C" NOT NULL,
  status TEXT NOT NULL,
  raw_status TEXT,
  status_at TEXT COLLATE "C",
  order_key DOUBLE PRECISION NOT NULL,
  reply_to TEXT,
  meta TEXT,
  created_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (provider, external_id)
);
CREATE INDEX messages_conversation_order ON messages (conversation_id, order_key, id);

CREATE TABLE status_events (
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  PRIMARY KEY (provider, external_id)
);

CREATE TABLE dispatches (
  id BIGSERIAL PRIMARY KEY,
  partition TEXT NOT NULL,
  conversation_id BIGINT,
  order_key DOUBLE PRECISION NOT NULL,
  event TEXT NOT NULL,
  delivery_id BIGINT,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX dispatches_pending ON dispatches (partition, order_key, id) WHERE status = 'pending';

CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  conversation_id BIGINT NOT NULL REFERENCES conversations (id),
  provider TEXT NOT NULL,
  message_id BIGINT NOT NULL REFERENCES messages (id),
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | sending | sent | dead
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT COLLATE "C" NOT NULL,
  last_error TEXT,
  created_at TEXT COLLATE "C" NOT NULL,
  sent_at TEXT COLLATE "C"
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, provider);

CREATE TABLE bot_state (
  conversation_id BIGINT NOT NULL,
  bot TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (conversation_id, bot)
);

CREATE TABLE provider_stats (
  provider TEXT PRIMARY KEY,
  deliveries BIGINT NOT NULL DEFAULT 0,
  duplicates BIGINT NOT NULL DEFAULT 0,
  gaps BIGINT NOT NULL DEFAULT 0,
  last_delivery_at TEXT COLLATE "C",
  last_poll_at TEXT COLLATE "C"
);

CREATE TABLE gaps (
  id BIGSERIAL PRIMARY KEY,
  provider TEXT NOT NULL,
  scope TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  detected_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (provider, scope, sequence)
);

CREATE TABLE cursors (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
