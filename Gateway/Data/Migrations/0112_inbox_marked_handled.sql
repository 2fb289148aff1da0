-- A message the gateway did not understand stays in the console's inbox until a person marks it handled (who, when).
-- Not indexed, like intent and handled_at (migration 0011): marking a message keeps its update HOT.
ALTER TABLE inbound_messages
    ADD COLUMN marked_handled_at  timestamptz,
    ADD COLUMN marked_handled_by  text;
