using Npgsql;

namespace Gateway.Dashboard;

/// <summary>
/// The dashboard's rows counted from the raw tables: what the tallies must always equal. Never behind a page: it reads
/// every outbound message and every resident (seconds at 10M rows). The tests compare the two sources, and the console
/// bench suite measures the dashboard against a page built on this one (performance.md G14: at least 20× faster).
/// </summary>
public sealed class RawTableDashboardSource(NpgsqlDataSource db) : IDashboardSource
{
    // The outbound queue's two counts are the Delivery slice's SQL (only it names that table's columns).
    private const string Sql = $"""
        {Delivery.OutboundHistory.MessagesByDaySql};

        {Delivery.OutboundHistory.WaitingByPrioritySql};

        SELECT status, language, region, count(*) AS subscribers FROM subscribers GROUP BY 1, 2, 3;

        SELECT t.topic, s.status, count(*) AS subscribers
          FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id
         GROUP BY 1, 2;

        SELECT day, sum(joined)::bigint AS joined, sum(opted_out)::bigint AS opted_out
          FROM (SELECT (created_at AT TIME ZONE @Zone)::date AS day, 1 AS joined, 0 AS opted_out
                  FROM subscribers WHERE created_at >= @From AND created_at < @To
                UNION ALL
                SELECT (opted_out_at AT TIME ZONE @Zone)::date, 0, 1
                  FROM subscribers WHERE status = 'opted_out' AND opted_out_at >= @From AND opted_out_at < @To) residents
         GROUP BY 1;

        SELECT priority, count(*) AS waiting FROM support_requests WHERE status = 'open' AND claimed_by IS NULL GROUP BY 1;
        """;

    public async Task<DashboardRows> ReadAsync(DashboardPeriod period, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await TalliedDashboardSource.ReadRowsAsync(conn, Sql, period, ct);
    }
}
