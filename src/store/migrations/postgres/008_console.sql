-- The operator console (issue 17): people who sign in, their sessions, what they did, and who is
-- answering a handed-off conversation. Sessions live here, not in a process, so every instance
-- sharing the store accepts them.
CREATE TABLE operators (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL, -- admin | operator
  password_hash TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL
);

-- `id` is a hash of the cookie's token: a copy of this table signs nobody in.
CREATE TABLE operator_sessions (
  id TEXT PRIMARY KEY,
  operator_id BIGINT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  last_seen_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Failed sign-ins per key (`account:<name>`, `address:<ip>`) in the current window.
CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_started_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  at TEXT COLLATE "C" NOT NULL,
  operator_id BIGINT,
  operator_name TEXT NOT NULL,
  action TEXT NOT NULL,
  conversation_id BIGINT,
  detail TEXT
);
CREATE INDEX audit_log_conversation ON audit_log (conversation_id, id);

-- Who answers a handed-off conversation: one row, so two operators never answer it unknowingly.
CREATE TABLE conversation_claims (
  conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id),
  operator_id BIGINT NOT NULL,
  operator_name TEXT NOT NULL,
  claimed_at TEXT COLLATE "C" NOT NULL
);

-- The conversations list: newest activity first, a page at a time by (last_message_at, id).
CREATE INDEX conversations_activity ON conversations (last_message_at DESC, id DESC);
CREATE INDEX conversations_status_activity ON conversations (status, last_message_at DESC, id DESC);
-- "Has failures" and the dead letters of one conversation.
CREATE INDEX outbox_dead ON outbox (conversation_id) WHERE status = 'dead';
CREATE INDEX dispatches_failed ON dispatches (conversation_id) WHERE status = 'failed';
-- A conversation's timeline reads its outbox items and bot runs by conversation.
CREATE INDEX outbox_conversation ON outbox (conversation_id, id);
CREATE INDEX dispatches_conversation ON dispatches (conversation_id, id);
