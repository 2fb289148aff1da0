-- Officials read the messages the gateway did not understand, or could not finish handling
-- (GET /api/inbox?unhandled=true), newest first.
CREATE INDEX inbound_messages_unhandled ON inbound_messages (id DESC) WHERE intent = 'unknown' OR handled_at IS NULL;
