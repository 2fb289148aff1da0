-- Every inbound message is inserted, then updated within milliseconds with its intent and reply. Room left in
-- each page lets that update be HOT (no new index entries). For the same reason the inbox
-- (GET /api/inbox?unhandled=true) has no index on intent or handled_at: it walks the primary key backwards.
ALTER TABLE inbound_messages SET (fillfactor = 80);
