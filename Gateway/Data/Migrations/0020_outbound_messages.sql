-- The outbound queue: one row per SMS the gateway sends, from every producer (replies, crisis messages,
-- confirmations, lessons, tips, broadcasts). The dispatcher claims due rows with FOR UPDATE SKIP LOCKED.
-- Producers: see Delivery/Outbox.cs for the column contract of a set-based INSERT … SELECT.
--
-- subscriber_id has no foreign key on purpose: a million-row broadcast INSERT would pay a lookup per row,
-- and the row must outlive the subscriber's deletion as a record of what was sent (recipient is the key).
CREATE TABLE outbound_messages (
    id                   bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient            text          NOT NULL CHECK (recipient ~ '^\+[1-9][0-9]{6,14}$'),
    subscriber_id        bigint,
    body                 text          NOT NULL CHECK (body <> ''),
    encoding             text          NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
    segments             int           NOT NULL CHECK (segments >= 1),
    cost                 numeric(12,5) NOT NULL CHECK (cost >= 0),
    -- 0 critical (replies, crisis, confirmations), 1 normal (on-demand lessons), 2 bulk (broadcasts, tips).
    priority             smallint      NOT NULL CHECK (priority BETWEEN 0 AND 2),
    kind                 text          NOT NULL CHECK (kind ~ '^[a-z][a-z_]*$'),
    broadcast_id         bigint,
    -- Any producer's idempotency key, e.g. 'lesson:<enrolment>:<local date>': a re-run inserts nothing.
    dedupe_key           text          UNIQUE,
    not_before           timestamptz   NOT NULL,
    expires_at           timestamptz   NOT NULL,
    status               text          NOT NULL DEFAULT 'queued' CHECK (status IN (
                             'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'expired',
                             'skipped_opted_out', 'skipped_invalid_number', 'ambiguous', 'canceled')),
    -- Hand-offs to the provider, and new provider messages created after an ambiguous or undelivered one.
    attempts             smallint      NOT NULL DEFAULT 0,
    resends              smallint      NOT NULL DEFAULT 0,
    -- The dispatcher's lease: a row still 'sending' after this came from a worker that stopped.
    claimed_until        timestamptz,
    provider             text,
    provider_message_id  text,
    -- The provider's own status word from its delivery reports, and its rank, so reports never go backwards.
    provider_status      text,
    report_rank          smallint      NOT NULL DEFAULT 0,
    error_code           text,
    last_error           text,
    note                 text,
    created_at           timestamptz   NOT NULL,
    sent_at              timestamptz,
    status_at            timestamptz   NOT NULL,
    UNIQUE (broadcast_id, subscriber_id)
) WITH (
    -- A hot queue: every row is updated 2-3 times soon after insert. Free space per page keeps those
    -- updates on the page, and early autovacuum keeps dead tuples from slowing the claim (performance.md §9).
    fillfactor = 85,
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_analyze_scale_factor = 0.02
);

-- The claim: due rows by priority, then due time.
CREATE INDEX outbound_messages_due ON outbound_messages (priority, not_before, id) WHERE status = 'queued';
-- Rows in doubt: leases to recover and ambiguous hand-offs to reconcile.
CREATE INDEX outbound_messages_in_doubt ON outbound_messages (status_at) WHERE status IN ('sending', 'ambiguous');
-- Delivery reports name the provider's id.
CREATE INDEX outbound_messages_provider_message_id ON outbound_messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- Pacing: the next free send slot per sender (Messaging Service, From number, simulator), shared by every
-- dispatcher process. Reserving n segments moves it by n / rate: a cross-process GCRA.
CREATE TABLE sender_budgets (
    sender        text        PRIMARY KEY,
    next_slot_at  timestamptz NOT NULL
);

-- Numbers the provider told us cannot receive SMS; later messages to them are skipped, not sent.
CREATE TABLE phone_number_problems (
    phone        text        PRIMARY KEY,
    problem      text        NOT NULL CHECK (problem IN ('invalid', 'not_mobile', 'unreachable')),
    error_code   text,
    detected_at  timestamptz NOT NULL
);

-- Delivery reports that matched no outbound row when they arrived (unknown or not yet recorded provider id).
-- Kept for reconciliation: the dispatcher applies them once the id is known; what stays is for a human.
CREATE TABLE delivery_reports (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider             text        NOT NULL,
    provider_message_id  text        NOT NULL,
    message_id           bigint,
    provider_status      text        NOT NULL,
    error_code           text,
    -- The report as its provider folder translated it (see Delivery/RecordDeliveryReport.cs).
    rank                 smallint    NOT NULL,
    outcome              text,
    problem              text        NOT NULL,
    number_problem       text        NOT NULL,
    received_at          timestamptz NOT NULL,
    applied_at           timestamptz,
    UNIQUE (provider, provider_message_id, provider_status)
);
CREATE INDEX delivery_reports_pending ON delivery_reports (received_at) WHERE applied_at IS NULL;
