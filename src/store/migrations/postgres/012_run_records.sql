-- What the bot runtime did for a dispatch, per route (ran, failed, skipped and why), as JSON:
-- the console's timeline answers "why did this person get no answer?" from it. Written by the
-- statement that marks the dispatch done, so it costs no round trip.
ALTER TABLE dispatches ADD COLUMN runs TEXT;
-- Each send attempt of an outbox item and the provider's answer, as a JSON array of the last 10
-- (`attempts` already counts them), appended by the statements that mark it sent, retried or dead.
ALTER TABLE outbox ADD COLUMN attempt_log TEXT;
