-- Raw deliveries: stored before the provider gets its 200. (provider, dedupe_key) drops retries.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | processed | failed
  error TEXT,
  UNIQUE (provider, dedupe_key)
);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE status = 'pending';

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  title TEXT,
  status TEXT NOT NULL DEFAULT 'open', -- open | handoff
  address TEXT NOT NULL DEFAULT '{}',
  last_message_at TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (provider, external_id)
);

CREATE TABLE participants (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  name TEXT,
  role TEXT NOT NULL,
  presence TEXT,
  presence_at TEXT,
  UNIQUE (provider, external_id)
);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  provider TEXT NOT NULL,
  external_id TEXT, -- NULL while an outbound message is not yet sent
  direction TEXT NOT NULL,
  author_id TEXT NOT NULL,
  author_name TEXT,
  author_role TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT,
  media TEXT,
  sent_at TEXT NOT NULL,
  status TEXT NOT NULL,
  raw_status TEXT,
  status_at TEXT,
  order_key REAL NOT NULL,
  reply_to TEXT,
  meta TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (provider, external_id)
);
CREATE INDEX messages_conversation_order ON messages (conversation_id, order_key, id);

-- Status changes already applied (dedupe of msg_state retries and out-of-order statuses).
CREATE TABLE status_events (
  provider TEXT NOT NULL,
  external_id TEXT NOT NULL,
  PRIMARY KEY (provider, external_id)
);

-- Work for the bots: one row per event, run one at a time per partition in order_key order.
CREATE TABLE dispatches (
  id INTEGER PRIMARY KEY,
  partition TEXT NOT NULL,
  conversation_id INTEGER,
  order_key REAL NOT NULL,
  event TEXT NOT NULL,
  delivery_id INTEGER,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | done
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX dispatches_pending ON dispatches (partition, order_key, id) WHERE status = 'pending';

-- Replies: stored before they are sent; sent by the outbox with retries.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations (id),
  provider TEXT NOT NULL,
  message_id INTEGER NOT NULL REFERENCES messages (id),
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending', -- pending | sending | sent | dead
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, provider);

CREATE TABLE bot_state (
  conversation_id INTEGER NOT NULL,
  bot TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (conversation_id, bot)
);

CREATE TABLE provider_stats (
  provider TEXT PRIMARY KEY,
  deliveries INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  gaps INTEGER NOT NULL DEFAULT 0,
  last_delivery_at TEXT,
  last_poll_at TEXT
);

CREATE TABLE gaps (
  id INTEGER PRIMARY KEY,
  provider TEXT NOT NULL,
  scope TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  detected_at TEXT NOT NULL,
  UNIQUE (provider, scope, sequence)
);

CREATE TABLE cursors (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
