using Dapper;
using Npgsql;

namespace Gateway.Dashboard;

/// <summary>
/// The dashboard's rows from the tallies (migration 0073): a few thousand rows summed, whatever the size of the tables
/// they count. One round trip. Slots are 15-minute, UTC-aligned, so each lies within one city day.
/// </summary>
public sealed class TalliedDashboardSource(NpgsqlDataSource db) : IDashboardSource
{
    private const string Sql = """
        SELECT (slot AT TIME ZONE @Zone)::date AS day, status, handed_over, sum(messages)::bigint AS messages
          FROM outbound_tallies
         WHERE slot >= @From AND slot < @To
         GROUP BY 1, 2, 3
        HAVING sum(messages) <> 0;

        SELECT priority, status, sum(messages)::bigint AS messages
          FROM outbound_tallies
         WHERE status IN ('queued', 'sending', 'ambiguous')
         GROUP BY 1, 2
        HAVING sum(messages) <> 0;

        SELECT status, language, region, sum(subscribers)::bigint AS subscribers
          FROM subscriber_tallies
         GROUP BY 1, 2, 3
        HAVING sum(subscribers) <> 0;

        SELECT topic, status, sum(subscribers)::bigint AS subscribers
          FROM topic_tallies
         GROUP BY 1, 2
        HAVING sum(subscribers) <> 0;

        SELECT (slot AT TIME ZONE @Zone)::date AS day, sum(joined)::bigint AS joined, sum(opted_out)::bigint AS opted_out
          FROM resident_day_tallies
         WHERE slot >= @From AND slot < @To
         GROUP BY 1
        HAVING sum(joined) <> 0 OR sum(opted_out) <> 0;

        SELECT priority, count(*) AS waiting FROM support_requests WHERE status = 'open' AND claimed_by IS NULL GROUP BY 1;
        """;

    public async Task<DashboardRows> ReadAsync(DashboardPeriod period, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await ReadRowsAsync(conn, Sql, period, ct);
    }

    /// <summary>Reads the six result sets of a dashboard query, in the order above.</summary>
    internal static async Task<DashboardRows> ReadRowsAsync(NpgsqlConnection conn, string sql, DashboardPeriod period, CancellationToken ct)
    {
        await using var results = await conn.QueryMultipleAsync(new CommandDefinition(sql, new { period.Zone, period.From, period.To },
            commandTimeout: 600, cancellationToken: ct));
        return new DashboardRows(
            (await results.ReadAsync<OutboundDayRow>()).AsList(),
            (await results.ReadAsync<QueueRow>()).AsList(),
            (await results.ReadAsync<SubscriberRow>()).AsList(),
            (await results.ReadAsync<TopicRow>()).AsList(),
            (await results.ReadAsync<ResidentDayRow>()).AsList(),
            (await results.ReadAsync<SupportRow>()).AsList());
    }
}
