-- Counselling by SMS (docs/support.md): a support request becomes a conversation once a counsellor claims it.
-- status stays 'open' or 'closed'; an open request is waiting while claimed_by is NULL and a conversation after.
-- priority 'high' is the crisis flag: set when the request opened on crisis words, or when crisis words arrive later.
ALTER TABLE support_requests
    ADD COLUMN claimed_by       text,
    ADD COLUMN claimed_at       timestamptz,
    -- How it ended: chosen by the counsellor, 'no_response' after 72 h without a message, 'opted_out' when the
    -- resident's opt-out closed it.
    ADD COLUMN outcome          text CHECK (outcome IN ('resolved', 'referred', 'no_response', 'other', 'opted_out')),
    -- The last message either way (or the claim): 72 hours after it an open conversation closes itself.
    ADD COLUMN last_message_at  timestamptz,
    -- Unclaimed past its limit (CRISIS_CLAIM_WITHIN, SUPPORT_CLAIM_WITHIN): when it was last escalated, and how often.
    ADD COLUMN escalated_at     timestamptz,
    ADD COLUMN escalations      int NOT NULL DEFAULT 0,
    ADD CONSTRAINT support_requests_claimed CHECK ((claimed_by IS NULL) = (claimed_at IS NULL));

-- The resident's conversation, if any: the inbound pipeline reads it with the sender (and the fast path's guard checks it).
CREATE INDEX support_requests_conversation ON support_requests (subscriber_id) WHERE status = 'open' AND claimed_by IS NOT NULL;
-- Conversations that may close themselves, waiting requests that may escalate.
CREATE INDEX support_requests_open_since ON support_requests (created_at) WHERE status = 'open';

-- What each side wrote, in order. The text stays where the pipeline keeps it (inbound_messages; the outbound queue,
-- read through Delivery): this table only says which messages belong to which conversation. Deleting the request
-- (delete-my-data) takes these rows with it.
CREATE TABLE conversation_messages (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    support_request_id   bigint      NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    direction            text        NOT NULL CHECK (direction IN ('in', 'out')),
    inbound_message_id   bigint      UNIQUE REFERENCES inbound_messages (id) ON DELETE CASCADE,
    -- The outbound queue's row (no foreign key, as everywhere outside Delivery).
    outbound_message_id  bigint,
    -- A counsellor's name for their replies; NULL for the gateway's own messages (claim, closing).
    sent_by              text,
    at                   timestamptz NOT NULL,
    CHECK ((direction = 'in') = (inbound_message_id IS NOT NULL)),
    CHECK ((direction = 'out') = (outbound_message_id IS NOT NULL))
);
CREATE INDEX conversation_messages_request ON conversation_messages (support_request_id, at, id);

-- Counsellors' private notes on a conversation: never sent.
CREATE TABLE conversation_notes (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    support_request_id   bigint      NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    author               text        NOT NULL,
    body                 text        NOT NULL CHECK (body <> '' AND length(body) <= 4000),
    created_at           timestamptz NOT NULL
);
CREATE INDEX conversation_notes_request ON conversation_notes (support_request_id, created_at);

-- Delivery: bulk messages (priority 2: broadcasts but urgent ones, tips, scheduled lessons) to a number are held while
-- a hold on it lasts (a counselling conversation, at most 24 hours). The dispatcher skips such rows; releasing the
-- hold lets them go, their validity moved on by the time they were held.
CREATE TABLE bulk_holds (
    hold_key       text        PRIMARY KEY,
    phone          text        NOT NULL,
    -- The held rows' subscriber: releasing a hold finds them along outbound_messages_recent_bulk.
    subscriber_id  bigint,
    held_until     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX bulk_holds_phone ON bulk_holds (phone, held_until);
