-- A broadcast's counts and the month's SMS spend from tallies, like the dashboard's (migration 0073): the broadcast
-- page never counts a broadcast's million rows (performance.md G14), and the budget never sums a month of messages.
--
-- broadcast_tallies: messages per broadcast occurrence (outbound_messages.broadcast_id holds the occurrence's id) by
-- status, and whether they failed unconfirmed (error_code 'ambiguous_after_resend'). outbound_tallies gains the cost of
-- the messages it counts: the month's spend is the cost of the slots' messages handed to the provider.
--
-- The same statement-level trigger writes both, from one pass over the transition table: each statement groups its
-- rows once by every key, then sums that small result into each table. Compaction (Dashboard/CompactTallies.cs) folds
-- broadcast_tallies too; rebuild_tallies() recounts it.

ALTER TABLE outbound_tallies ADD COLUMN cost numeric NOT NULL DEFAULT 0;

CREATE TABLE broadcast_tallies (
    broadcast_id  bigint  NOT NULL,
    status        text    NOT NULL,
    unconfirmed   boolean NOT NULL,
    messages      bigint  NOT NULL
);
CREATE INDEX broadcast_tallies_broadcast ON broadcast_tallies (broadcast_id);
ALTER TABLE broadcast_tallies SET (autovacuum_vacuum_scale_factor = 0.05);

CREATE OR REPLACE FUNCTION tally_outbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH changed AS (
            SELECT tally_slot(coalesce(sent_at, status_at)) AS slot, priority, status, sent_at IS NOT NULL AS handed_over,
                   broadcast_id, error_code IS NOT DISTINCT FROM 'ambiguous_after_resend' AS unconfirmed,
                   count(*) AS messages, sum(cost) AS cost
              FROM new_rows
             GROUP BY 1, 2, 3, 4, 5, 6),
        outbound AS (
            INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages, cost)
            SELECT slot, priority, status, handed_over, sum(messages), sum(cost) FROM changed GROUP BY 1, 2, 3, 4)
        INSERT INTO broadcast_tallies (broadcast_id, status, unconfirmed, messages)
        SELECT broadcast_id, status, unconfirmed, sum(messages) FROM changed WHERE broadcast_id IS NOT NULL GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH changed AS (
            SELECT slot, priority, status, handed_over, broadcast_id, unconfirmed, sum(n) AS messages, sum(c) AS cost
              FROM (SELECT tally_slot(coalesce(sent_at, status_at)) AS slot, priority, status, sent_at IS NOT NULL AS handed_over,
                           broadcast_id, error_code IS NOT DISTINCT FROM 'ambiguous_after_resend' AS unconfirmed, -1 AS n, -cost AS c
                      FROM old_rows
                    UNION ALL
                    SELECT tally_slot(coalesce(sent_at, status_at)), priority, status, sent_at IS NOT NULL,
                           broadcast_id, error_code IS NOT DISTINCT FROM 'ambiguous_after_resend', 1, cost
                      FROM new_rows) rows
             GROUP BY 1, 2, 3, 4, 5, 6
            HAVING sum(n) <> 0 OR sum(c) <> 0),
        outbound AS (
            INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages, cost)
            SELECT slot, priority, status, handed_over, sum(messages), sum(cost) FROM changed GROUP BY 1, 2, 3, 4
            HAVING sum(messages) <> 0 OR sum(cost) <> 0)
        INSERT INTO broadcast_tallies (broadcast_id, status, unconfirmed, messages)
        SELECT broadcast_id, status, unconfirmed, sum(messages) FROM changed WHERE broadcast_id IS NOT NULL GROUP BY 1, 2, 3
        HAVING sum(messages) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        WITH changed AS (
            SELECT tally_slot(coalesce(sent_at, status_at)) AS slot, priority, status, sent_at IS NOT NULL AS handed_over,
                   broadcast_id, error_code IS NOT DISTINCT FROM 'ambiguous_after_resend' AS unconfirmed,
                   -count(*) AS messages, -sum(cost) AS cost
              FROM old_rows
             GROUP BY 1, 2, 3, 4, 5, 6),
        outbound AS (
            INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages, cost)
            SELECT slot, priority, status, handed_over, sum(messages), sum(cost) FROM changed GROUP BY 1, 2, 3, 4)
        INSERT INTO broadcast_tallies (broadcast_id, status, unconfirmed, messages)
        SELECT broadcast_id, status, unconfirmed, sum(messages) FROM changed WHERE broadcast_id IS NOT NULL GROUP BY 1, 2, 3;
    ELSE
        DELETE FROM outbound_tallies;
        DELETE FROM broadcast_tallies;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION rebuild_tallies() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE outbound_messages, subscribers, subscriptions IN SHARE MODE;
    DELETE FROM outbound_tallies;
    DELETE FROM broadcast_tallies;
    DELETE FROM subscriber_tallies;
    DELETE FROM resident_day_tallies;
    DELETE FROM topic_tallies;
    INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages, cost)
    SELECT tally_slot(coalesce(sent_at, status_at)), priority, status, sent_at IS NOT NULL, count(*), sum(cost)
      FROM outbound_messages GROUP BY 1, 2, 3, 4;
    INSERT INTO broadcast_tallies (broadcast_id, status, unconfirmed, messages)
    SELECT broadcast_id, status, error_code IS NOT DISTINCT FROM 'ambiguous_after_resend', count(*)
      FROM outbound_messages WHERE broadcast_id IS NOT NULL GROUP BY 1, 2, 3;
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

-- About a minute per 10M outbound messages on an existing gateway; writers wait meanwhile.
SELECT rebuild_tallies();
