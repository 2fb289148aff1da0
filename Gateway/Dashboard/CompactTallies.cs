using Dapper;
using Hangfire;
using Npgsql;

namespace Gateway.Dashboard;

/// <summary>
/// Hangfire, every minute: folds the rows the tally triggers appended (migrations 0073 and 0110) into one row per key, so the
/// dashboard sums a few rows per key. Figures are exact before and after: a fold deletes rows and inserts their sum in
/// one statement, and rows appended meanwhile wait for the next run. Safe to run twice at once (each folds only the
/// rows it deleted); an advisory lock lets the second skip.
/// </summary>
public sealed class CompactTallies(NpgsqlDataSource db, ILogger<CompactTallies> log)
{
    public const string JobId = "dashboard:compact-tallies";

    private const long LockKey = 7_204_611_530_073;

    // Only keys with two rows or more: a folded key costs nothing until a trigger adds to it.
    private const string FoldOutboundSql = """
        WITH keys AS (
            SELECT slot, priority, status, handed_over FROM outbound_tallies GROUP BY 1, 2, 3, 4 HAVING count(*) > 1),
        gone AS (
            DELETE FROM outbound_tallies t USING keys k
             WHERE t.slot = k.slot AND t.priority = k.priority AND t.status = k.status AND t.handed_over = k.handed_over
            RETURNING t.slot, t.priority, t.status, t.handed_over, t.messages, t.cost)
        INSERT INTO outbound_tallies (slot, priority, status, handed_over, messages, cost)
        SELECT slot, priority, status, handed_over, sum(messages), sum(cost) FROM gone GROUP BY 1, 2, 3, 4
        HAVING sum(messages) <> 0 OR sum(cost) <> 0
        """;

    private const string FoldBroadcastsSql = """
        WITH keys AS (
            SELECT broadcast_id, status, unconfirmed FROM broadcast_tallies GROUP BY 1, 2, 3 HAVING count(*) > 1),
        gone AS (
            DELETE FROM broadcast_tallies t USING keys k
             WHERE t.broadcast_id = k.broadcast_id AND t.status = k.status AND t.unconfirmed = k.unconfirmed
            RETURNING t.broadcast_id, t.status, t.unconfirmed, t.messages)
        INSERT INTO broadcast_tallies (broadcast_id, status, unconfirmed, messages)
        SELECT broadcast_id, status, unconfirmed, sum(messages) FROM gone GROUP BY 1, 2, 3 HAVING sum(messages) <> 0
        """;

    private const string FoldSubscribersSql = """
        WITH keys AS (
            SELECT status, language, region FROM subscriber_tallies GROUP BY 1, 2, 3 HAVING count(*) > 1),
        gone AS (
            DELETE FROM subscriber_tallies t USING keys k
             WHERE t.status = k.status AND t.language = k.language AND t.region IS NOT DISTINCT FROM k.region
            RETURNING t.status, t.language, t.region, t.subscribers)
        INSERT INTO subscriber_tallies (status, language, region, subscribers)
        SELECT status, language, region, sum(subscribers) FROM gone GROUP BY 1, 2, 3 HAVING sum(subscribers) <> 0
        """;

    private const string FoldResidentsSql = """
        WITH keys AS (
            SELECT slot FROM resident_day_tallies GROUP BY 1 HAVING count(*) > 1),
        gone AS (
            DELETE FROM resident_day_tallies t USING keys k WHERE t.slot = k.slot
            RETURNING t.slot, t.joined, t.opted_out)
        INSERT INTO resident_day_tallies (slot, joined, opted_out)
        SELECT slot, sum(joined), sum(opted_out) FROM gone GROUP BY 1 HAVING sum(joined) <> 0 OR sum(opted_out) <> 0
        """;

    private const string FoldTopicsSql = """
        WITH keys AS (
            SELECT topic, status FROM topic_tallies GROUP BY 1, 2 HAVING count(*) > 1),
        gone AS (
            DELETE FROM topic_tallies t USING keys k WHERE t.topic = k.topic AND t.status = k.status
            RETURNING t.topic, t.status, t.subscribers)
        INSERT INTO topic_tallies (topic, status, subscribers)
        SELECT topic, status, sum(subscribers) FROM gone GROUP BY 1, 2 HAVING sum(subscribers) <> 0
        """;

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: ct)))
            return;
        var folded = 0;
        foreach (var sql in new[] { FoldOutboundSql, FoldBroadcastsSql, FoldSubscribersSql, FoldResidentsSql, FoldTopicsSql })
            folded += await conn.ExecuteAsync(new CommandDefinition(sql, transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        log.LogDebug("Tallies compacted into {Rows} rows", folded);
    }
}
