-- Issue 18: residents brought in from a list (Imports/).
--
-- 'pending': a number an official imported without the resident's recorded consent. It was sent one confirmation SMS
-- and receives nothing else (no broadcast, tip or lesson) until it replies YES / 是 (then 'active', ledgered with
-- channel 'sms'); STOP makes it 'opted_out'. It keeps the list's topics, as an opted-out number keeps its own, so that
-- YES subscribes it to exactly what the confirmation named.
ALTER TABLE subscribers DROP CONSTRAINT subscribers_status_check;
ALTER TABLE subscribers ADD CONSTRAINT subscribers_status_check CHECK (status IN ('active', 'opted_out', 'pending'));

-- An import's consent (a list that records that the person agreed) is ledgered per topic with channel 'import': the
-- list's source, the text the person agreed to, occurred_at = when they agreed, and who imported it (recorded_by,
-- import_id).
ALTER TABLE consent_events DROP CONSTRAINT consent_events_channel_check;
ALTER TABLE consent_events ADD CONSTRAINT consent_events_channel_check CHECK (channel IN ('sms', 'ussd', 'api', 'carrier', 'import'));
ALTER TABLE consent_events ADD COLUMN source text, ADD COLUMN consent_text text, ADD COLUMN recorded_by text, ADD COLUMN import_id bigint;

-- One uploaded list: its report (what it will do, computed when it was read), and, once confirmed, the job's progress
-- (rows_done of rows_staged; cursor_row is the last line written, committed with each chunk) and what it did
-- (subscribed: numbers subscribed with recorded consent; asked: confirmation SMS queued).
--   checked: read and reported, waiting for a person to confirm it in the console (or to discard it);
--   queued/applying: confirmed, the job writes it in chunks (rows_done is its cursor, committed with each chunk);
--   done, failed, discarded: finished; its staged rows are gone.
CREATE TABLE imports (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status        text        NOT NULL CHECK (status IN ('checked', 'queued', 'applying', 'done', 'failed', 'discarded')),
    file_name     text,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    rows_read     int         NOT NULL,
    rows_staged   int         NOT NULL,
    rows_done     int         NOT NULL DEFAULT 0,
    cursor_row    int         NOT NULL DEFAULT 0,
    subscribed    int         NOT NULL DEFAULT 0,
    asked         int         NOT NULL DEFAULT 0,
    report        jsonb       NOT NULL,
    result        jsonb,
    confirmed_by  text,
    started_at    timestamptz,
    finished_at   timestamptz,
    failure       text
);
CREATE INDEX imports_created_at ON imports (created_at DESC);

-- The valid rows of an import between reading and writing: numbers in E.164 (phone_hash as consent_events has it),
-- topics resolved to keys, consent_at NULL when the list records no consent. duplicate: a later row of a number
-- already in the file (the first one counts). Unlogged: a list is read again in seconds, so its rows need no WAL; a
-- database crash empties the table, and the job then fails the import, asking for the file again (importing the same
-- file twice changes nothing the second time). Deleted when the import ends.
CREATE UNLOGGED TABLE import_rows (
    import_id     bigint      NOT NULL,
    row_no        int         NOT NULL,
    phone         text        NOT NULL,
    phone_hash    text        NOT NULL,
    language      text        NOT NULL,
    region        text,
    topics        text[]      NOT NULL,
    source        text,
    consent_at    timestamptz,
    consent_text  text,
    duplicate     boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (import_id, row_no)
) WITH (autovacuum_vacuum_scale_factor = 0.05);
