-- What recovery matches an interrupted send on, recorded when the item is claimed for sending
-- (before the request goes out), so no clock has to be compared with the provider's:
--   send_ref: the reference the send publishes (SuperViz puts it in the event's data.ref);
--   known_order_key: the conversation's highest order key known then (WAMM: msg_id, which grows),
--     so a message found later with a higher id and the same text can only be this send.
ALTER TABLE outbox ADD COLUMN send_ref TEXT;
ALTER TABLE outbox ADD COLUMN known_order_key REAL;
-- A dead letter that may already have reached the customer (an interrupted send nobody could
-- confirm): `outbox retry` asks for --force before sending it again.
ALTER TABLE outbox ADD COLUMN maybe_delivered INTEGER NOT NULL DEFAULT 0;
