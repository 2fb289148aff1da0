-- Residents who asked for a person: crisis words (high priority), TALK / 倾诉 (normal), and, from USSD, callbacks.
-- One request per inbound message at most, so a retried webhook never opens a second request.
CREATE TABLE support_requests (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id       bigint      REFERENCES subscribers (id) ON DELETE SET NULL,
    phone               text        NOT NULL,
    priority            text        NOT NULL CHECK (priority IN ('high', 'normal')),
    reason              text        NOT NULL CHECK (reason IN ('crisis', 'talk', 'callback')),
    channel             text        NOT NULL CHECK (channel IN ('sms', 'ussd', 'api')),
    inbound_message_id  bigint      UNIQUE REFERENCES inbound_messages (id) ON DELETE SET NULL,
    status              text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at          timestamptz NOT NULL,
    closed_at           timestamptz,
    closed_by           text,
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- The counsellors' queue: open requests, high priority first, oldest first.
CREATE INDEX support_requests_open ON support_requests ((priority = 'high') DESC, created_at) WHERE status = 'open';
CREATE INDEX support_requests_phone ON support_requests (phone, created_at DESC);
