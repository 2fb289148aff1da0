using Dapper;
using Gateway.Broadcasts;
using Gateway.Dashboard;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// A broadcast's counts and the month's spend come from tallies (migration 0110), which must always equal the rows they
/// count: after inserts, every kind of update, deletes and a TRUNCATE, before and after compaction, and after a rebuild.
/// </summary>
public sealed class BroadcastTalliesTests(BroadcastTalliesTests.App app) : IClassFixture<BroadcastTalliesTests.App>
{
    public sealed class App : GatewayApp;

    private static readonly long[] Occurrences = [9_000_001, 9_000_002, 9_000_003];

    // Messages of three occurrences (and some of none), in every status, some failed unconfirmed, at several costs.
    private const string InsertSql = """
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind, broadcast_id, not_before, expires_at,
                                       status, error_code, sent_at, created_at, status_at)
        SELECT '+8613900' || lpad(g::text, 5, '0'), g, 'hello', 'GSM-7', 1 + g % 2, (1 + g % 2) * 0.05, 2, 'broadcast',
               CASE WHEN g % 7 = 0 THEN NULL ELSE (ARRAY[9000001, 9000002, 9000003])[1 + g % 3] END, @Now, @Now + interval '4 hours',
               (ARRAY['queued','sending','sent','delivered','undelivered','failed','expired','skipped_opted_out','ambiguous','canceled'])[1 + g % 10],
               CASE WHEN g % 10 = 5 AND g % 4 = 0 THEN 'ambiguous_after_resend' END,
               CASE WHEN g % 10 IN (1, 2, 3, 4, 8) THEN @Now END, @Now, @Now
          FROM generate_series(1, 600) g
        """;

    private async Task<string> CountsAsync(IBroadcastMessageCounts source)
    {
        await using var conn = await app.OpenDatabaseAsync();
        var counts = await source.ReadAsync(conn, Occurrences, CancellationToken.None);
        return string.Join("; ", counts.Where(c => c.Messages != 0).OrderBy(c => c.Status).Select(c => $"{c.Status} {c.Messages} ({c.Unconfirmed})"));
    }

    private async Task AssertEqualAsync(string when)
    {
        var raw = await CountsAsync(app.Services.GetRequiredService<RawMessageCounts>());
        Assert.True(raw == await CountsAsync(app.Services.GetRequiredService<IBroadcastMessageCounts>()), $"{when}: raw {raw}");
        var spend = await app.QuerySingleAsync<(decimal Tallied, decimal Raw)>("""
            SELECT (SELECT coalesce(sum(cost), 0) FROM outbound_tallies WHERE handed_over),
                   (SELECT coalesce(sum(cost), 0) FROM outbound_messages WHERE sent_at IS NOT NULL)
            """);
        Assert.True(spend.Tallied == spend.Raw, $"{when}: spend {spend}");
        await app.Services.GetRequiredService<CompactTallies>().RunAsync(CancellationToken.None);
        Assert.Equal(raw, await CountsAsync(app.Services.GetRequiredService<IBroadcastMessageCounts>()));
    }

    [Fact]
    public async Task EveryKindOfChange_KeepsTheTalliesEqualToTheRows()
    {
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync(InsertSql, new { Now = app.Clock.GetUtcNow() });
        await AssertEqualAsync("after inserts");
        Assert.NotEqual("", await CountsAsync(app.Services.GetRequiredService<IBroadcastMessageCounts>()));

        // What the dispatcher, delivery reports, reconciliation and cancel do.
        var now = app.Clock.GetUtcNow();
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'sending', sent_at = @now, status_at = @now WHERE status = 'queued' AND id % 2 = 0", new { now });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'sent', status_at = @now WHERE status = 'sending'", new { now });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'delivered', status_at = @now WHERE status = 'sent' AND id % 3 = 0", new { now });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'failed', error_code = 'ambiguous_after_resend', status_at = @now WHERE status = 'ambiguous'", new { now });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'canceled', status_at = @now WHERE status = 'queued'", new { now });
        await conn.ExecuteAsync("UPDATE outbound_messages SET claimed_until = @now WHERE id % 5 = 0", new { now });
        await AssertEqualAsync("after updates");

        await conn.ExecuteAsync("DELETE FROM outbound_messages WHERE id % 11 = 0");
        await AssertEqualAsync("after deletes");

        await conn.ExecuteAsync("SELECT rebuild_tallies()");
        await AssertEqualAsync("after a rebuild");

        await conn.ExecuteAsync("TRUNCATE outbound_messages");
        await AssertEqualAsync("after a truncate");
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM broadcast_tallies"));
    }

    [Fact]
    public async Task Compaction_FoldsEachKeyIntoOneRow()
    {
        await using var conn = await app.OpenDatabaseAsync();
        for (var i = 0; i < 3; i++)
            await conn.ExecuteAsync(InsertSql.Replace("generate_series(1, 600)", $"generate_series({1000 * (i + 1)}, {1000 * (i + 1) + 99})"), new { Now = app.Clock.GetUtcNow() });
        const string Repeated = "SELECT count(*) FROM (SELECT 1 FROM broadcast_tallies GROUP BY broadcast_id, status, unconfirmed HAVING count(*) > 1) d";
        Assert.True(await conn.ExecuteScalarAsync<long>(Repeated) > 0);

        await app.Services.GetRequiredService<CompactTallies>().RunAsync(CancellationToken.None);

        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(Repeated));
    }
}
