-- Proof that "delete my data" was carried out: only the number's SHA-256 (as in consent_events.phone_hash),
-- where the request came from, and when. The opt-out itself stays provable through consent_events.
CREATE TABLE data_erasures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_hash  text        NOT NULL,
    channel     text        NOT NULL CHECK (channel IN ('sms', 'ussd', 'api')),
    erased_at   timestamptz NOT NULL
);
CREATE INDEX data_erasures_phone_hash ON data_erasures (phone_hash);
