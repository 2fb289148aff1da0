-- Every message a resident sent, stored before anything acts on it, with the reply we gave.
-- (provider, provider_message_id) turns a provider's retried webhook into a no-op.
CREATE TABLE inbound_messages (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider             text        NOT NULL,
    provider_message_id  text        NOT NULL,
    from_phone           text        NOT NULL,
    to_phone             text,
    body                 text        NOT NULL,
    received_at          timestamptz NOT NULL,
    intent               text,
    reply                text,
    handled_at           timestamptz,
    UNIQUE (provider, provider_message_id)
);
CREATE INDEX inbound_messages_from_phone ON inbound_messages (from_phone, received_at DESC);
