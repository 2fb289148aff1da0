-- What the SMS simulator "sent": the phone simulator page and GET /api/simulator/messages read it.
CREATE TABLE simulator_messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_phone     text        NOT NULL,
    body         text        NOT NULL,
    segments     int         NOT NULL,
    encoding     text        NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
    sent_at      timestamptz NOT NULL,
    outbound_id  bigint      UNIQUE
);
CREATE INDEX simulator_messages_to_phone ON simulator_messages (to_phone, id DESC);
