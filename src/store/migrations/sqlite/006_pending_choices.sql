-- A question a bot asked with buttons on a provider that has none: the options went out numbered
-- in the text, and the customer's answer ("2", "yes") runs the action, once, until expires_at. One
-- open question per bot and conversation (a newer one replaces it); kept here so an answer given
-- after a restart still counts.
CREATE TABLE pending_choices (
  conversation_id INTEGER NOT NULL,
  bot TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  options TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (conversation_id, bot)
);
