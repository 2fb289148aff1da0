-- Topic keys are ASCII identifiers. In byte order ("C") the primary key (subscriber_id, topic) lists a subscriber's
-- topics in the order the inbound guard compares them (InboundRouter.SenderAsReadSql): read straight from the index,
-- with no sort, on every message. Equality is unchanged; only the indexes are rebuilt.
ALTER TABLE subscriptions ALTER COLUMN topic TYPE text COLLATE "C";
