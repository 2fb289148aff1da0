-- Tallies for the console's dashboard (Console/Dashboard/), so that a page load never counts whole tables (10M
-- outbound rows take seconds; performance.md G14 allows 100 ms).
--
-- A tally table holds signed counts: its figures are the SUM of its rows per key. Statement-level triggers with
-- transition tables append one row per key a statement changed (+ for rows entering the key, - for rows leaving it),
-- so a 50,000-row fan-out chunk or a 500-row dispatch batch adds a handful of rows, and no writer ever waits for
-- another: nothing is updated in place, so there is no lock to take and no deadlock to fear. A recurring job
-- (Console/Dashboard/CompactTallies.cs) folds each key's rows into one. Every figure stays exact at any moment.
--
-- Times are kept in 15-minute slots (UTC-aligned): every time zone's offset is a whole number of quarter hours, so
-- each slot lies inside one local day of any TIME_ZONE, and the dashboard groups slots into the city's days at read
-- time. rebuild_tallies() recomputes everything from the raw tables (used below, and after any manual repair).

CREATE FUNCTION tally_slot(at timestamptz) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN date_bin('15 minutes', at, TIMESTAMPTZ '2000-01-01 00:00:00+00');

-- Outbound messages by the slot of their last attempt (the hand-off if there was one: sent_at; otherwise the last
-- status change), priority, status, and whether they were handed to the provider. Sent on a day = handed over then
-- (whatever happened next); delivered and failed on a day = those of them, plus hand-offs refused that day.
CREATE TABLE outbound_tallies (
    slot         timestamptz NOT NULL,
    priority     smallint    NOT NULL,
    status       text        NOT NULL,
    handed_over  boolean     NOT NULL,
    messages     bigint      NOT NULL
);
CREATE INDEX outbound_tallies_slot ON outbound_tallies (slot);
-- The queue by priority: only waiting rows, which compaction keeps few.
CREATE INDEX outbound_tallies_waiting ON outbound_tallies (status, priority) WHERE status IN ('queued', 'sending', 'ambiguous');

-- Residents by status, language and region (NULL = none given).
CREATE TABLE subscriber_tallies (
    status       text   NOT NULL,
    language     text   NOT NULL,
    region       text,
    subscribers  bigint NOT NULL
);

-- Residents by the slot they first wrote or dialled in (joined), and those opted out now by the slot they did it.
CREATE TABLE resident_day_tallies (
    slot       timestamptz NOT NULL,
    joined     bigint      NOT NULL,
    opted_out  bigint      NOT NULL
);
CREATE INDEX resident_day_tallies_slot ON resident_day_tallies (slot);

-- Subscriptions by topic and their resident's status (an opted-out resident keeps topics for a later START).
CREATE TABLE topic_tallies (
    topic        text   NOT NULL,
    status       text   NOT NULL,
    subscribers  bigint NOT NULL
);

-- Written by triggers and compaction only, read by the dashboard: the few rows a key has between compactions.
ALTER TABLE outbound_tallies SET (autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE resident_day_tallies SET (autovacuum_vacuum_scale_factor = 0.05);

-- ---- outbound_messages -----------------------------------------------------------------------------------------

CREATE FUNCTION tally_outbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages)
        SELECT tally_slot(coalesce(sent_at, status_at)), priority, status, sent_at IS NOT NULL, count(*)
          FROM new_rows
         GROUP BY 1, 2, 3, 4;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages)
        SELECT slot, priority, status, handed_over, sum(n)
          FROM (SELECT tally_slot(coalesce(sent_at, status_at)) AS slot, priority, status, sent_at IS NOT NULL AS handed_over, -1 AS n
                  FROM old_rows
                UNION ALL
                SELECT tally_slot(coalesce(sent_at, status_at)), priority, status, sent_at IS NOT NULL, 1
                  FROM new_rows) changed
         GROUP BY 1, 2, 3, 4
        HAVING sum(n) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages)
        SELECT tally_slot(coalesce(sent_at, status_at)), priority, status, sent_at IS NOT NULL, -count(*)
          FROM old_rows
         GROUP BY 1, 2, 3, 4;
    ELSE
        DELETE FROM outbound_tallies;
    END IF;
    RETURN NULL;
END
$$;

-- One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
CREATE TRIGGER outbound_messages_tally_insert AFTER INSERT ON outbound_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_outbound();
CREATE TRIGGER outbound_messages_tally_update AFTER UPDATE ON outbound_messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_outbound();
CREATE TRIGGER outbound_messages_tally_delete AFTER DELETE ON outbound_messages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_outbound();
CREATE TRIGGER outbound_messages_tally_truncate AFTER TRUNCATE ON outbound_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tally_outbound();

-- ---- subscribers ---------------------------------------------------------------------------------------------------

CREATE FUNCTION tally_subscribers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO subscriber_tallies (status, language, region, subscribers)
        SELECT status, language, region, count(*) FROM new_rows GROUP BY 1, 2, 3;
        INSERT INTO resident_day_tallies (slot, joined, opted_out)
        SELECT slot, sum(joined), sum(opted_out)
          FROM (SELECT tally_slot(created_at) AS slot, 1 AS joined, 0 AS opted_out FROM new_rows
                UNION ALL
                SELECT tally_slot(opted_out_at), 0, 1 FROM new_rows WHERE status = 'opted_out') changed
         GROUP BY 1;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO subscriber_tallies (status, language, region, subscribers)
        SELECT status, language, region, sum(n)
          FROM (SELECT status, language, region, -1 AS n FROM old_rows
                UNION ALL
                SELECT status, language, region, 1 FROM new_rows) changed
         GROUP BY 1, 2, 3
        HAVING sum(n) <> 0;
        INSERT INTO resident_day_tallies (slot, joined, opted_out)
        SELECT slot, sum(joined), sum(opted_out)
          FROM (SELECT tally_slot(created_at) AS slot, -1 AS joined, 0 AS opted_out FROM old_rows
                UNION ALL
                SELECT tally_slot(created_at), 1, 0 FROM new_rows
                UNION ALL
                SELECT tally_slot(opted_out_at), 0, -1 FROM old_rows WHERE status = 'opted_out'
                UNION ALL
                SELECT tally_slot(opted_out_at), 0, 1 FROM new_rows WHERE status = 'opted_out') changed
         GROUP BY 1
        HAVING sum(joined) <> 0 OR sum(opted_out) <> 0;
        -- A resident's topics move with their status.
        INSERT INTO topic_tallies (topic, status, subscribers)
        SELECT t.topic, moved.status, sum(moved.n)
          FROM (SELECT o.id, o.status, -1 AS n FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.status <> o.status
                UNION ALL
                SELECT n.id, n.status, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.status <> o.status) moved
          JOIN subscriptions t ON t.subscriber_id = moved.id
         GROUP BY 1, 2
        HAVING sum(moved.n) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO subscriber_tallies (status, language, region, subscribers)
        SELECT status, language, region, -count(*) FROM old_rows GROUP BY 1, 2, 3;
        INSERT INTO resident_day_tallies (slot, joined, opted_out)
        SELECT slot, sum(joined), sum(opted_out)
          FROM (SELECT tally_slot(created_at) AS slot, -1 AS joined, 0 AS opted_out FROM old_rows
                UNION ALL
                SELECT tally_slot(opted_out_at), 0, -1 FROM old_rows WHERE status = 'opted_out') changed
         GROUP BY 1;
    ELSE
        DELETE FROM subscriber_tallies;
        DELETE FROM resident_day_tallies;
        DELETE FROM topic_tallies;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER subscribers_tally_insert AFTER INSERT ON subscribers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_subscribers();
CREATE TRIGGER subscribers_tally_update AFTER UPDATE ON subscribers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_subscribers();
CREATE TRIGGER subscribers_tally_delete AFTER DELETE ON subscribers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_subscribers();
CREATE TRIGGER subscribers_tally_truncate AFTER TRUNCATE ON subscribers
    FOR EACH STATEMENT EXECUTE FUNCTION tally_subscribers();

-- A deleted resident's subscriptions go by ON DELETE CASCADE after the resident row is gone, when their status can no
-- longer be read: take their topics off here, before the row goes (deletions are one resident at a time: "delete my
-- data"). The subscriptions trigger below skips rows whose resident is gone.
CREATE FUNCTION untally_topics_of_deleted_subscriber() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO topic_tallies (topic, status, subscribers)
    SELECT topic, OLD.status, -1 FROM subscriptions WHERE subscriber_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER subscribers_untally_topics BEFORE DELETE ON subscribers
    FOR EACH ROW EXECUTE FUNCTION untally_topics_of_deleted_subscriber();

-- ---- subscriptions -------------------------------------------------------------------------------------------------

CREATE FUNCTION tally_subscriptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO topic_tallies (topic, status, subscribers)
        SELECT n.topic, s.status, count(*) FROM new_rows n JOIN subscribers s ON s.id = n.subscriber_id GROUP BY 1, 2;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO topic_tallies (topic, status, subscribers)
        SELECT topic, status, sum(n)
          FROM (SELECT o.topic, s.status, -1 AS n FROM old_rows o JOIN subscribers s ON s.id = o.subscriber_id
                UNION ALL
                SELECT n.topic, s.status, 1 FROM new_rows n JOIN subscribers s ON s.id = n.subscriber_id) changed
         GROUP BY 1, 2
        HAVING sum(n) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO topic_tallies (topic, status, subscribers)
        SELECT o.topic, s.status, -count(*) FROM old_rows o JOIN subscribers s ON s.id = o.subscriber_id GROUP BY 1, 2;
    ELSE
        DELETE FROM topic_tallies;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER subscriptions_tally_insert AFTER INSERT ON subscriptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_subscriptions();
CREATE TRIGGER subscriptions_tally_update AFTER UPDATE ON subscriptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_subscriptions();
CREATE TRIGGER subscriptions_tally_delete AFTER DELETE ON subscriptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_subscriptions();
CREATE TRIGGER subscriptions_tally_truncate AFTER TRUNCATE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION tally_subscriptions();

-- ---- Rebuilding --------------------------------------------------------------------------------------------------

-- Recomputes every tally from the raw tables, with writers held off meanwhile (SHARE locks: reads go on).
-- Takes as long as reading the tables (about a minute per 10M outbound rows); for repairs, and for this migration.
CREATE FUNCTION rebuild_tallies() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE outbound_messages, subscribers, subscriptions IN SHARE MODE;
    DELETE FROM outbound_tallies;
    DELETE FROM subscriber_tallies;
    DELETE FROM resident_day_tallies;
    DELETE FROM topic_tallies;
    INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages)
    SELECT tally_slot(coalesce(sent_at, status_at)), priority, status, sent_at IS NOT NULL, count(*)
      FROM outbound_messages GROUP BY 1, 2, 3, 4;
    INSERT INTO subscriber_tallies (status, language, region, subscribers)
    SELECT status, language, region, count(*) FROM subscribers GROUP BY 1, 2, 3;
    INSERT INTO resident_day_tallies (slot, joined, opted_out)
    SELECT slot, sum(joined), sum(opted_out)
      FROM (SELECT tally_slot(created_at) AS slot, 1 AS joined, 0 AS opted_out FROM subscribers
            UNION ALL
            SELECT tally_slot(opted_out_at), 0, 1 FROM subscribers WHERE status = 'opted_out') residents
     GROUP BY 1;
    INSERT INTO topic_tallies (topic, status, subscribers)
    SELECT t.topic, s.status, count(*) FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id GROUP BY 1, 2;
END
$$;

SELECT rebuild_tallies();
