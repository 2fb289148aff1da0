-- Every inbound message is inserted, then updated within milliseconds with its intent and reply. Room left in
-- each page lets that update be HOT (no new index entries); so no index may cover intent, reply or handled_at.
ALTER TABLE inbound_messages SET (fillfactor = 80);

-- The inbox (GET /api/inbox) lists messages newest first by arrival. Not by id: ids are taken in blocks by each
-- web process (Inbound/InboundIds.cs), so they follow arrival order only roughly.
CREATE INDEX inbound_messages_received ON inbound_messages (received_at DESC, id DESC);
