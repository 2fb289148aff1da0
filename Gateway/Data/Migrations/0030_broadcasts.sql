-- Broadcasts: prevention notices and lesson snippets officials send to an audience, after a second person approved.
--
-- A broadcast is sent as occurrences: a one-off broadcast has exactly one, a recurring one (repeat_cron) one per
-- firing of its cron. outbound_messages.broadcast_id holds the OCCURRENCE's id, so Delivery's
-- UNIQUE (broadcast_id, subscriber_id) means "one message per (occurrence, subscriber)". Broadcasts and occurrences
-- draw their ids from one sequence, so an id in outbound_messages.broadcast_id never names another broadcast, and
-- the one occurrence of a one-off broadcast takes the broadcast's own id: for one-off broadcasts
-- outbound_messages.broadcast_id is simply the broadcast's id.
CREATE SEQUENCE broadcast_ids;

CREATE TABLE broadcasts (
    id             bigint      PRIMARY KEY DEFAULT nextval('broadcast_ids'),
    title          text        NOT NULL CHECK (title <> ''),
    -- The texts as approved, per language ({"zh": "…", "en": "…"}): a notice template is copied here at creation,
    -- so what is sent is what the approver saw even if templates/ changes later.
    content        jsonb       NOT NULL,
    template_key   text,
    -- Audience; an empty array puts no condition on that dimension (topics: any topic).
    topics         text[]      NOT NULL DEFAULT '{}',
    regions        text[]      NOT NULL DEFAULT '{}',
    languages      text[]      NOT NULL DEFAULT '{}',
    -- One-off: when to send. Recurring: no occurrence before this.
    send_at        timestamptz NOT NULL,
    repeat_cron    text,
    urgent         boolean     NOT NULL DEFAULT false,
    status         text        NOT NULL DEFAULT 'pending_approval' CHECK (status IN (
                       'pending_approval', 'approved', 'scheduled', 'sending', 'sent', 'canceled', 'failed')),
    failure        text,
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL,
    approved_by    text,
    approved_at    timestamptz,
    canceled_by    text,
    canceled_at    timestamptz,
    finished_at    timestamptz,
    -- The Hangfire delayed job that starts a one-off broadcast (deleted on cancel).
    start_job_id   text,
    CHECK (approved_by IS NULL OR approved_by <> created_by)
);
CREATE INDEX broadcasts_open ON broadcasts (status) WHERE status IN ('approved', 'scheduled', 'sending');

-- One sending of a broadcast. UNIQUE (broadcast_id, occurrence_at) is what makes a recurring broadcast fire
-- exactly once per occurrence, whichever worker, retry or restart gets there first.
CREATE TABLE broadcast_occurrences (
    id                      bigint      PRIMARY KEY DEFAULT nextval('broadcast_ids'),
    broadcast_id            bigint      NOT NULL REFERENCES broadcasts (id),
    occurrence_at           timestamptz NOT NULL,
    -- When its messages are due: occurrence_at, or the end of quiet hours.
    due_at                  timestamptz NOT NULL,
    status                  text        NOT NULL DEFAULT 'fanning_out' CHECK (status IN ('fanning_out', 'fanned_out', 'canceled')),
    -- Fan-out progress: subscribers up to last_subscriber_id are done; the audience is those with id <= audience_max_id.
    audience_max_id         bigint      NOT NULL,
    last_subscriber_id      bigint      NOT NULL DEFAULT 0,
    -- What fan-out decided, counted in the same transaction as each chunk's rows (see README "## Broadcasts").
    planned                 int         NOT NULL DEFAULT 0,
    held_for_quiet_hours    int         NOT NULL DEFAULT 0,
    deferred                int         NOT NULL DEFAULT 0,
    skipped_opted_out       int         NOT NULL DEFAULT 0,
    skipped_invalid_number  int         NOT NULL DEFAULT 0,
    skipped_same_text       int         NOT NULL DEFAULT 0,
    started_at              timestamptz NOT NULL,
    fanned_out_at           timestamptz,
    UNIQUE (broadcast_id, occurrence_at)
);

-- The frequency guard looks up each recipient's recent bulk messages (Broadcasts/FrequencyGuard.cs):
-- everything but critical replies, by subscriber and due time.
CREATE INDEX outbound_messages_recent_bulk ON outbound_messages (subscriber_id, not_before)
    WHERE priority > 0 AND subscriber_id IS NOT NULL;
