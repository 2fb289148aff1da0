-- A resident's conversation (the console's residents page) reads their messages: bulk and on-demand ones through
-- outbound_messages_recent_bulk (subscriber_id, not_before), replies and confirmations (priority 0) through this.
-- Partial, so the broadcast fan-out and the lessons (priority 1 and 2) never write to it.
CREATE INDEX outbound_messages_critical_recipient ON outbound_messages (recipient, created_at) WHERE priority = 0;
