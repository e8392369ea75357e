-- Storage a bot keeps beyond one conversation's state (issue 19): the assistant's embedded
-- knowledge chunks (keyed by model and content hash, so an unchanged file is never embedded
-- twice and an interrupted indexing resumes), token counters for its budgets, and warnings
-- /api/health shows (keys "warning:…").
CREATE TABLE bot_storage (
  bot TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (bot, key)
);
