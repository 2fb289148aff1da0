-- Most outbound rows (every broadcast message, every reply) have no dedupe key, yet the UNIQUE constraint indexed
-- each of them under NULL. A partial unique index keeps the same rule for the rows that have one and spares a
-- 1M-recipient fan-out a million index entries. ON CONFLICT DO NOTHING without a target (every producer here)
-- still treats it as an arbiter.
ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_dedupe_key_key;
CREATE UNIQUE INDEX outbound_messages_dedupe_key ON outbound_messages (dedupe_key) WHERE dedupe_key IS NOT NULL;
