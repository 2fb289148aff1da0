-- Topics a subscriber receives (keys from templates/topics.yaml).
CREATE TABLE subscriptions (
    subscriber_id  bigint      NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic          text        NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (subscriber_id, topic)
);
CREATE INDEX subscriptions_topic ON subscriptions (topic, subscriber_id);

-- The consent ledger: every opt-in and opt-out as it happened, never updated.
-- phone_hash (SHA-256 of the E.164 number) outlives "delete my data" as proof of an opt-out; phone does not.
CREATE TABLE consent_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id  bigint      REFERENCES subscribers (id) ON DELETE SET NULL,
    phone          text,
    phone_hash     text        NOT NULL,
    action         text        NOT NULL CHECK (action IN ('opt_in', 'opt_out')),
    scope          text        NOT NULL,
    keyword        text,
    channel        text        NOT NULL CHECK (channel IN ('sms', 'ussd', 'api', 'carrier')),
    occurred_at    timestamptz NOT NULL
);
CREATE INDEX consent_events_subscriber ON consent_events (subscriber_id, occurred_at);
CREATE INDEX consent_events_phone_hash ON consent_events (phone_hash, occurred_at);
