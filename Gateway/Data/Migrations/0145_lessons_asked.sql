-- Lessons a resident asked for (NEXT, REPEAT, the USSD menu's "send my next lesson") on one city date, whatever the
-- channel: LESSONS_ASKED_PER_DAY caps them (Lessons/LessonOptions.cs). One row per resident, started afresh on a new date.
CREATE TABLE lessons_asked (
    subscriber_id bigint  PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    city_date     date    NOT NULL,
    asked         integer NOT NULL
);
