-- The outbox sends a conversation's replies in order: an item goes out only when no earlier item of
-- its conversation is still unsent. Without this index that check walked every unsent item of every
-- conversation for each candidate (quadratic in the backlog; BENCHMARKS.md).
CREATE INDEX outbox_unsent ON outbox (conversation_id, id) WHERE status IN ('pending', 'sending');

-- Why a dispatch last failed (it used to reach only the log).
ALTER TABLE dispatches ADD COLUMN last_error TEXT;
