-- One row per USSD session, keyed by the aggregator's session id (Africa's Talking: sessionId).
-- input_text is the aggregator's `text` (every input of the session joined by '*') as of the last step we
-- handled: a request with the same text is a retry and gets last_reply again; a longer one carries new inputs.
-- state is the menu position (UssdState as JSON); language mirrors state's language for reading in psql.
-- ended_at is set when we answered END, or when a newer session of the same phone started.
-- Rows hold the resident's number: PurgeUssdSessionsJob deletes them a day after their last step.
CREATE TABLE ussd_sessions (
    session_id    text        PRIMARY KEY,
    phone         text        NOT NULL,
    service_code  text        NOT NULL,
    network_code  text,
    language      text        NOT NULL CHECK (language IN ('zh', 'en')),
    state         jsonb       NOT NULL,
    input_text    text        NOT NULL,
    last_reply    text        NOT NULL,
    reply_ends    boolean     NOT NULL,
    started_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    ended_at      timestamptz
) WITH (fillfactor = 70);
-- Every step updates its row, so only columns a step never changes are indexed, and pages keep room: steps are
-- HOT updates (no index writes). The phone index serves the interrupted-session lookup on a dial (a number has
-- few sessions in the day rows are kept), "delete my data", and closing older sessions; the hourly purge scans.
CREATE INDEX ussd_sessions_phone ON ussd_sessions (phone);
