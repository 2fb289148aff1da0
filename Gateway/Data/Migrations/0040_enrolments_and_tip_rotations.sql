-- Courses by SMS: one row per subscriber and course (templates/courses/<key>.yaml), with the learner's position.
-- Position rule (Lessons/Enrolment.cs): a lesson counts as sent when it is queued; if its outbound row ends
-- without reaching the phone (failed, undelivered, expired, skipped, canceled), the next send repeats it.
-- Deleted with the subscriber ("delete my data"); the consent ledger keeps the opt-ins ('course:<key>').
CREATE TABLE enrolments (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id    bigint      NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    course           text        NOT NULL,
    -- sms, ussd or api: where the enrolment came from.
    channel          text        NOT NULL CHECK (channel IN ('sms', 'ussd', 'api')),
    enrolled_at      timestamptz NOT NULL,
    -- The lesson the next send carries (1-based). One past the last lesson: the completion message is next.
    next_lesson      smallint    NOT NULL DEFAULT 1 CHECK (next_lesson >= 1),
    -- The lesson sent last (REPEAT resends it) and its outbound row (its status decides a replay).
    last_lesson      smallint    CHECK (last_lesson >= 1),
    last_message_id  bigint,
    last_sent_at     timestamptz,
    -- The city-local date of the last lesson (scheduled or asked for): at most one scheduled lesson a day.
    last_sent_on     date,
    completed_at     timestamptz,
    UNIQUE (subscriber_id, course)
);
-- The planner's scan: courses in progress not yet served today.
CREATE INDEX enrolments_in_progress ON enrolments (last_sent_on) WHERE completed_at IS NULL;
-- Admin counts per course.
CREATE INDEX enrolments_course ON enrolments (course, completed_at);

-- Daily tips: where each subscriber is in the rotation. A cycle sends every tip of the pool once, in an order
-- that follows the city's "tip of the day" (DailyTips.IndexForDay); tips are named by a hash of their text
-- (DailyTips.Keys), so adding or removing a tip does not make anyone receive one twice within a cycle.
CREATE TABLE tip_rotations (
    subscriber_id    bigint      PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    cycle            int         NOT NULL CHECK (cycle >= 1),
    -- The keys of the tips sent in this cycle.
    sent             text[]      NOT NULL,
    last_message_id  bigint      NOT NULL,
    -- The city-local date of the last tip: at most one a day.
    last_sent_on     date        NOT NULL
);
