namespace Gateway.Subscriptions;

/// <summary>
/// What an imported list does to consent, set-based: the Subscriptions slice's SQL for <see cref="Imports"/> (the only
/// writer of subscribers, subscriptions and consent_events besides <see cref="ChangeConsent"/>). By number, first row of
/// the file only (later rows of the same number are duplicates):
/// <list type="bullet">
/// <item>new, with recorded consent (consent_at): active, subscribed to the row's topics, one ledger row per topic
/// (opt_in, channel 'import', the list's source, the consent text, occurred_at = when the person agreed, who imported it);</item>
/// <item>new, without: pending with the row's topics, asked by one confirmation SMS (the caller queues it for
/// <c>asked</c>), nothing else until YES;</item>
/// <item>known and active, with consent: the topics it lacks, each ledgered; without consent: left alone (topics are
/// the resident's own to choose);</item>
/// <item>known and pending, with consent: active with exactly the row's topics, each ledgered (<see cref="PromoteSql"/>);
/// without: left alone (it was asked once already, and is never asked again);</item>
/// <item>opted out, or erased at the resident's request (data_erasures): never touched.</item>
/// </list>
/// The caller's <c>batch</c> (a CTE) has the columns of import_rows: phone, phone_hash, language, region, topics,
/// source, consent_at, consent_text. Parameters: @ImportId, @ImportBy (who imported), @ImportNow.
/// </summary>
public static class ImportConsent
{
    /// <summary>
    /// CTEs (follow <c>WITH batch AS (…),</c>) creating new numbers and adding topics for active ones. Defines
    /// <c>created (id, phone, status)</c>, <c>known (id, status, …rows)</c> (numbers that existed before the statement),
    /// <c>consented (id, …)</c>, <c>asked (id, phone, language, topics)</c> (new pending numbers to send the confirmation),
    /// <c>joined_new</c>, <c>joined</c> (topics added to known numbers) and <c>ledgered (subscriber_id)</c>.
    /// No subscriber's status changes here: the dashboard's statement-level tallies count a resident's topics by their
    /// status, so a status change and new topics of the same resident go in separate statements (<see cref="PromoteSql"/>).
    /// <para>
    /// Written for speed (issue 18, G16): the writes are most of an import's time, and ON CONFLICT makes each row a
    /// speculative insertion (a probe of the unique index before the row, a confirmation record in the WAL after it),
    /// about 30 % more per row. Only what can conflict pays for it: the topics of a number this statement created
    /// cannot exist yet (plain INSERT, in id order, so that the indexes on subscriber_id grow at their right end); those
    /// of known numbers can (ON CONFLICT). New numbers are those the statement's snapshot does not know; one created
    /// meanwhile by another transaction (a resident texting, another import) then fails the plain INSERT with a unique
    /// violation on subscribers_phone_key, and the caller runs the chunk again with <paramref name="raceSafe"/>
    /// (ON CONFLICT (phone) DO NOTHING), which takes such a number as known.
    /// </para>
    /// </summary>
    public static string CreateAndJoinSql(bool raceSafe) => $"""
        created AS (
            INSERT INTO subscribers (phone, language, region, status, created_at)
            SELECT r.phone, r.language, r.region, CASE WHEN r.consent_at IS NULL THEN 'pending' ELSE 'active' END, @ImportNow
              FROM batch r
             WHERE r.phone_hash NOT IN (SELECT e.phone_hash FROM data_erasures e)
               AND NOT EXISTS (SELECT FROM subscribers s WHERE s.phone = r.phone)
             ORDER BY r.row_no
            {(raceSafe ? "ON CONFLICT (phone) DO NOTHING" : "")}
            RETURNING id, phone, status),
        new_rows AS (
            SELECT c.id, c.status, r.* FROM created c JOIN batch r ON r.phone = c.phone),
        -- Only the rows that did not create a number are looked up (one index probe each): a new list costs none.
        -- (The statement's snapshot does not see the numbers it creates, so this is about speed, not correctness.)
        rest AS MATERIALIZED (
            SELECT r.* FROM batch r WHERE NOT EXISTS (SELECT FROM created c WHERE c.phone = r.phone)),
        known AS (
            SELECT k.id, k.status, r.*
              FROM rest r
             CROSS JOIN LATERAL (SELECT s.id, s.status FROM subscribers s WHERE s.phone = r.phone LIMIT 1) k),
        consented AS (
            SELECT n.id, n.phone, n.phone_hash, n.topics, n.source, n.consent_at, n.consent_text, true AS fresh
              FROM new_rows n WHERE n.status = 'active'
            UNION ALL
            SELECT k.id, k.phone, k.phone_hash, k.topics, k.source, k.consent_at, k.consent_text, false
              FROM known k WHERE k.status = 'active' AND k.consent_at IS NOT NULL),
        asked AS (
            SELECT n.id, n.phone, n.language, n.topics FROM new_rows n WHERE n.status = 'pending'),
        joined_new AS (
            INSERT INTO subscriptions (subscriber_id, topic, created_at)
            SELECT n.id, u.topic, @ImportNow
              FROM new_rows n
             CROSS JOIN LATERAL unnest(n.topics) AS u(topic)
             ORDER BY n.id, u.topic),
        joined AS (
            INSERT INTO subscriptions (subscriber_id, topic, created_at)
            SELECT k.id, u.topic, @ImportNow
              FROM known k
             CROSS JOIN LATERAL unnest(k.topics) AS u(topic)
             WHERE k.status = 'active' AND k.consent_at IS NOT NULL
            ON CONFLICT DO NOTHING
            RETURNING subscriber_id, topic),
        ledgered AS (
            INSERT INTO consent_events (subscriber_id, phone, phone_hash, action, scope, keyword, channel, occurred_at,
                                        source, consent_text, recorded_by, import_id)
            SELECT c.id, c.phone, c.phone_hash, 'opt_in', u.topic, NULL, 'import', c.consent_at, c.source, c.consent_text, @ImportBy, @ImportId
              FROM consented c
             CROSS JOIN LATERAL unnest(c.topics) AS u(topic)
              LEFT JOIN joined j ON j.subscriber_id = c.id AND j.topic = u.topic AND NOT c.fresh
             WHERE c.fresh OR j.subscriber_id IS NOT NULL
            RETURNING subscriber_id)
        """;

    /// <summary>
    /// Pending numbers of <paramref name="batch"/> (the SELECT of the rows) whose row records consent: first their
    /// topics become exactly the row's (still pending, so the tallies count them there), then <see cref="PromoteSql"/>.
    /// </summary>
    public static string PromoteTopicsSql(string batch) => $"""
        WITH batch AS ({batch}),
        promotable AS (
            SELECT s.id, r.topics
              FROM batch r JOIN subscribers s ON s.phone = r.phone
             WHERE r.consent_at IS NOT NULL AND s.status = 'pending'),
        stale AS (
            DELETE FROM subscriptions t USING promotable p
             WHERE t.subscriber_id = p.id AND NOT (t.topic = ANY(p.topics)))
        INSERT INTO subscriptions (subscriber_id, topic, created_at)
        SELECT p.id, u.topic, @ImportNow FROM promotable p CROSS JOIN LATERAL unnest(p.topics) AS u(topic)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>The pending numbers of <paramref name="batch"/> with recorded consent become active, each topic ledgered.
    /// Returns the number promoted.</summary>
    public static string PromoteSql(string batch) => $"""
        WITH batch AS ({batch}),
        promoted AS (
            UPDATE subscribers s SET status = 'active'
              FROM batch r
             WHERE s.phone = r.phone AND r.consent_at IS NOT NULL AND s.status = 'pending'
            RETURNING s.id, r.phone, r.phone_hash, r.topics, r.source, r.consent_at, r.consent_text),
        ledgered AS (
            INSERT INTO consent_events (subscriber_id, phone, phone_hash, action, scope, keyword, channel, occurred_at,
                                        source, consent_text, recorded_by, import_id)
            SELECT p.id, p.phone, p.phone_hash, 'opt_in', u.topic, NULL, 'import', p.consent_at, p.source, p.consent_text, @ImportBy, @ImportId
              FROM promoted p CROSS JOIN LATERAL unnest(p.topics) AS u(topic))
        SELECT count(*)::int FROM promoted
        """;

    /// <summary>
    /// The report of what the rule above will do, read-only, over the staged rows <paramref name="table"/> (filtered by
    /// <paramref name="where"/>): one row with new, known, opted_out, to_subscribe, to_confirm, unchanged.
    /// </summary>
    public static string ReportSql(string table, string where) => $"""
        SELECT count(*) FILTER (WHERE x.status IS NULL AND NOT x.erased)::int AS new,
               count(*) FILTER (WHERE x.status IS NOT NULL OR x.erased)::int AS known,
               count(*) FILTER (WHERE x.status = 'opted_out' OR x.status IS NULL AND x.erased)::int AS opted_out,
               count(*) FILTER (WHERE x.consent AND (x.status IS NULL AND NOT x.erased OR x.status = 'pending' OR x.status = 'active' AND x.lacks_topic))::int AS to_subscribe,
               count(*) FILTER (WHERE NOT x.consent AND x.status IS NULL AND NOT x.erased)::int AS to_confirm
          FROM (SELECT s.status, r.consent_at IS NOT NULL AS consent,
                       r.phone_hash IN (SELECT e.phone_hash FROM data_erasures e) AS erased,
                       s.id IS NOT NULL AND r.consent_at IS NOT NULL AND s.status = 'active'
                           AND EXISTS (SELECT FROM unnest(r.topics) AS t(topic)
                                        WHERE NOT EXISTS (SELECT FROM subscriptions x WHERE x.subscriber_id = s.id AND x.topic = t.topic)) AS lacks_topic
                  FROM {table} r
                  LEFT JOIN subscribers s ON s.phone = r.phone
                 WHERE {where} AND NOT r.duplicate) x
        """;
}
