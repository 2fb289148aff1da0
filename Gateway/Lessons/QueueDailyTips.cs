using System.Globalization;
using Dapper;
using Gateway.Delivery;
using Npgsql;

namespace Gateway.Lessons;

/// <summary>
/// Queues today's tip for everyone subscribed to the tips topic whose delivery hour has come (city time, outside quiet
/// hours), in one statement, and records it in their rotation (tip_rotations).
/// <para>
/// Which tip: each subscriber goes through the whole pool before any tip comes again. The pick starts at the city's
/// tip of the day (<see cref="DailyTips.IndexForDay"/>, what the USSD menu shows) and takes the first tip, in pool
/// order from there, that this subscriber has not had in the current cycle; when they have had them all, a new cycle
/// starts with the tip of the day. So someone who receives every day gets exactly the menu's tip of the day, and
/// someone who missed days, joined mid-way, or whose pool changed (tips added or removed) still never gets a repeat
/// within a cycle, which a pure date rotation cannot promise.
/// </para>
/// <para>
/// At most once per subscriber per city date: dedupe key 'tip:&lt;subscriber&gt;:&lt;date&gt;', and the rotation is
/// written only for rows this run inserted. Bulk priority; expires when the allowed window closes. An undelivered tip
/// is not sent again: it comes round in the next cycle.
/// </para>
/// </summary>
public sealed class QueueDailyTips(NpgsqlDataSource db, DailyTips tips, Outbox outbox, DailySchedule schedule)
{
    /// <summary>The topic (templates/topics.yaml) whose subscribers get the daily tip.</summary>
    public const string Topic = "tips";

    private static readonly string QueueSql = $$"""
        WITH pool AS (
            SELECT * FROM unnest(@TipIndex::int[], @TipLanguage::text[], @TipBody::text[], @TipEncoding::text[],
                                 @TipSegments::int[], @TipCost::numeric[])
                       AS p(idx, language, body, encoding, segments, price)),
        due AS (
            SELECT s.id AS subscriber_id, s.phone, s.language, r.cycle, r.sent,
                   (SELECT (@TodayIndex + k) % @PoolSize
                      FROM generate_series(0, @PoolSize - 1) AS k
                     WHERE r.sent IS NULL OR NOT ((@Keys::text[])[(@TodayIndex + k) % @PoolSize + 1] = ANY(r.sent))
                     ORDER BY k
                     LIMIT 1) AS unsent
              FROM subscriptions t
              JOIN subscribers s ON s.id = t.subscriber_id
              LEFT JOIN tip_rotations r ON r.subscriber_id = t.subscriber_id
             WHERE t.topic = @Topic
               AND s.status = 'active'
               AND s.delivery_hour = ANY(@DueHours)
               AND (r.last_sent_on < @Today OR r.last_sent_on IS NULL)),
        picked AS (
            SELECT d.subscriber_id, d.phone, d.language,
                   coalesce(d.unsent, @TodayIndex) AS idx,
                   CASE WHEN d.sent IS NULL THEN 1 WHEN d.unsent IS NULL THEN d.cycle + 1 ELSE d.cycle END AS cycle,
                   CASE WHEN d.unsent IS NULL THEN '{}'::text[] ELSE coalesce(d.sent, '{}') END AS sent_before
              FROM due d),
        tips AS (
            SELECT k.phone AS to_phone, k.subscriber_id, p.body, p.encoding, p.segments, p.price, @Priority AS priority,
                   @Kind AS message_kind, NULL::bigint AS broadcast_id, 'tip:' || k.subscriber_id || ':' || @DateKey AS idempotency_key,
                   @Now AS due_at, @ExpiresAt AS valid_until, @Now AS queued_at
              FROM picked k
              JOIN pool p ON p.idx = k.idx AND p.language = k.language),
        queued AS ({{Outbox.EnqueueRowsSql("tips", skipDuplicates: true)}})
        INSERT INTO tip_rotations (subscriber_id, cycle, sent, last_message_id, last_sent_on)
        SELECT k.subscriber_id, k.cycle, k.sent_before || (@Keys::text[])[k.idx + 1], q.id, @Today
          FROM queued q
          JOIN picked k ON k.subscriber_id = q.subscriber_id
        ON CONFLICT (subscriber_id) DO UPDATE
           SET cycle = EXCLUDED.cycle, sent = EXCLUDED.sent, last_message_id = EXCLUDED.last_message_id,
               last_sent_on = EXCLUDED.last_sent_on
        """;

    // Every tip in both languages, measured once (content is loaded once, at start-up).
    private readonly Lazy<List<(int Index, string Language, PreparedBody Body)>> _texts = new(() =>
        (from i in Enumerable.Range(0, tips.Tips.Count)
         from language in Hosting.GatewayOptions.Languages
         select (Index: i, Language: language, Body: outbox.Prepare(tips.Tips[i].In(language)))).ToList());

    /// <returns>Tips queued.</returns>
    public async Task<int> RunAsync(DateTimeOffset now, CancellationToken ct)
    {
        var dueHours = schedule.DueHours(now);
        if (dueHours.Length == 0) return 0;
        var today = schedule.Today(now);

        var texts = _texts.Value;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var queued = await conn.ExecuteAsync(new CommandDefinition(QueueSql, new
        {
            TipIndex = texts.Select(t => t.Index).ToArray(),
            TipLanguage = texts.Select(t => t.Language).ToArray(),
            TipBody = texts.Select(t => t.Body.Body).ToArray(),
            TipEncoding = texts.Select(t => t.Body.Encoding).ToArray(),
            TipSegments = texts.Select(t => t.Body.Segments).ToArray(),
            TipCost = texts.Select(t => t.Body.Cost).ToArray(),
            Keys = tips.Keys.ToArray(),
            PoolSize = tips.Tips.Count,
            TodayIndex = DailyTips.IndexForDay(today, tips.Tips.Count),
            Topic,
            Today = today,
            DateKey = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DueHours = dueHours,
            Priority = (short)MessagePriority.Bulk,
            Kind = MessageKinds.Tip,
            Now = now,
            ExpiresAt = schedule.WindowEnd(now),
        }, tx, cancellationToken: ct));
        if (queued > 0) await Outbox.NotifyAsync(conn, tx, ct);
        await tx.CommitAsync(ct);
        return queued;
    }
}
