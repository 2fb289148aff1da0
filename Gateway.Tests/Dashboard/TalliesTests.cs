using System.Text.Json;
using Dapper;
using Gateway.Dashboard;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Dashboard;

/// <summary>
/// The tallies (migration 0073) against the raw tables they count: after every kind of change, before and after
/// compaction, and after a rebuild, the dashboard's figures from the tallies equal those counted from the raw tables.
/// </summary>
public sealed class TalliesTests(TalliesTests.App app) : IClassFixture<TalliesTests.App>
{
    public sealed class App : GatewayApp;

    private DashboardPeriod Period => DashboardPeriod.Ending(app.Clock.GetUtcNow(), app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.CityTimeZone);

    private async Task<string> FiguresAsync(IDashboardSource source) =>
        JsonSerializer.Serialize(DashboardFigures.From(await source.ReadAsync(Period, CancellationToken.None), Period));

    private async Task AssertTalliesEqualTheRawTablesAsync(string when)
    {
        var tallied = await FiguresAsync(app.Services.GetRequiredService<IDashboardSource>());
        var raw = await FiguresAsync(app.Services.GetRequiredService<RawTableDashboardSource>());
        Assert.True(raw == tallied, $"{when}:\n raw     {raw}\n tallied {tallied}");
        await app.Services.GetRequiredService<CompactTallies>().RunAsync(CancellationToken.None);
        Assert.Equal(raw, await FiguresAsync(app.Services.GetRequiredService<IDashboardSource>()));
    }

    // Times around the city's midnights (Asia/Shanghai, UTC+8) and over more than the 14 days shown.
    private static readonly string[] Times =
    [
        "2026-03-02 08:59+08", "2026-03-02 00:00+08", "2026-03-01 23:59:59+08", "2026-02-20 12:00+08", "2026-02-17 00:00+08",
        "2026-02-16 23:59+08", "2026-02-01 10:00+08",
    ];

    private const string InsertOutboundSql = """
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind, not_before, expires_at,
                                       status, sent_at, created_at, status_at)
        SELECT '+8613900' || lpad(g::text, 5, '0'), NULL, 'hello', 'GSM-7', 1, 0.05, (g % 3)::smallint, 'broadcast', t, t + interval '4 hours',
               (ARRAY['queued','sending','sent','delivered','undelivered','failed','expired','skipped_opted_out','ambiguous','canceled'])[1 + g % 10],
               CASE WHEN g % 10 IN (2, 3, 4, 8) THEN t END, t, t
          FROM generate_series(1, 300) g, unnest(@Times::timestamptz[]) t
        """;

    [Fact]
    public async Task OutboundInsertsUpdatesAndDeletes_KeepTheTalliesEqualToTheTable()
    {
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync(InsertOutboundSql, new { Times });
        await AssertTalliesEqualTheRawTablesAsync("after inserts");

        // What the dispatcher and delivery reports do: claims, hand-offs, reports, retries, resends.
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'sending', sent_at = @Now, status_at = @Now WHERE status = 'queued' AND id % 2 = 0",
            new { Now = app.Clock.GetUtcNow() });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'sent', status_at = @Now WHERE status = 'sending'", new { Now = app.Clock.GetUtcNow() });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'delivered', status_at = @Now WHERE status = 'sent' AND id % 3 = 0", new { Now = app.Clock.GetUtcNow() });
        await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'queued', status_at = @Now WHERE status = 'undelivered' AND id % 2 = 1", new { Now = app.Clock.GetUtcNow() });
        await conn.ExecuteAsync("UPDATE outbound_messages SET claimed_until = @Now WHERE status = 'ambiguous'", new { Now = app.Clock.GetUtcNow() });
        await AssertTalliesEqualTheRawTablesAsync("after updates");

        await conn.ExecuteAsync("DELETE FROM outbound_messages WHERE id % 7 = 0");
        await AssertTalliesEqualTheRawTablesAsync("after deletes");
    }

    [Fact]
    public async Task ResidentsAndTheirTopics_KeepTheTalliesEqualToTheTables()
    {
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync("""
            INSERT INTO subscribers (phone, language, status, region, created_at, opted_out_at)
            SELECT '+8613700' || lpad(g::text, 5, '0'), CASE WHEN g % 4 = 0 THEN 'en' ELSE 'zh' END,
                   CASE WHEN g % 5 = 0 THEN 'opted_out' ELSE 'active' END, (ARRAY['jiangan', 'hanyang', NULL])[1 + g % 3],
                   t, CASE WHEN g % 5 = 0 THEN t + interval '1 day' END
              FROM generate_series(1, 40) g, unnest(@Times::timestamptz[]) WITH ORDINALITY AS u(t, n)
             WHERE g % 7 = n - 1
            """, new { Times });
        await conn.ExecuteAsync("""
            INSERT INTO subscriptions (subscriber_id, topic, created_at)
            SELECT id, topic, created_at FROM subscribers, unnest(ARRAY['notices', 'tips']) topic WHERE id % 2 = 0 OR topic = 'notices'
            """);
        await AssertTalliesEqualTheRawTablesAsync("after inserts");

        await conn.ExecuteAsync("UPDATE subscribers SET status = 'opted_out', opted_out_at = @Now WHERE id % 3 = 0 AND status = 'active'", new { Now = app.Clock.GetUtcNow() });
        await conn.ExecuteAsync("UPDATE subscribers SET status = 'active', opted_out_at = NULL WHERE id % 4 = 0 AND status = 'opted_out'");
        await conn.ExecuteAsync("UPDATE subscribers SET language = 'en', region = 'qiaokou' WHERE id % 5 = 1");
        await conn.ExecuteAsync("DELETE FROM subscriptions WHERE topic = 'tips' AND subscriber_id % 4 = 0");
        await AssertTalliesEqualTheRawTablesAsync("after updates");

        // "Delete my data": the resident goes, and their topics with them (ON DELETE CASCADE).
        await conn.ExecuteAsync("DELETE FROM subscribers WHERE id % 6 = 0");
        await AssertTalliesEqualTheRawTablesAsync("after deletes");
    }

    [Fact]
    public async Task RebuildTallies_GivesTheSameFigures()
    {
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync(InsertOutboundSql, new { Times });
        var before = await FiguresAsync(app.Services.GetRequiredService<IDashboardSource>());

        await conn.ExecuteAsync("SELECT rebuild_tallies()");

        Assert.Equal(before, await FiguresAsync(app.Services.GetRequiredService<IDashboardSource>()));
        await AssertTalliesEqualTheRawTablesAsync("after the rebuild");
    }

    [Fact]
    public async Task TheRealPaths_JoinStopAndDispatch_KeepThemEqualToo()
    {
        var client = app.CreateClient();
        foreach (var (phone, body) in new[] { ("13800000901", "JOIN 2"), ("13800000902", "订阅"), ("13800000903", "HELP"), ("13800000902", "STOP") })
            await client.PostAsync("/api/simulator/inbound", JsonContent(new { from = phone, body }));
        await using (var conn = await app.OpenDatabaseAsync())
        {
            var outbox = app.Services.GetRequiredService<Outbox>();
            foreach (var phone in new[] { "+8613800000901", "+8613800000903" })
                await outbox.EnqueueAsync(conn, null, new OutboundMessage(phone, "Lesson 1", MessageKinds.Lesson, MessagePriority.Normal), CancellationToken.None);
        }
        await AssertTalliesEqualTheRawTablesAsync("after JOIN, STOP and two queued messages");

        await app.Services.GetRequiredService<Dispatcher>().DispatchOnceAsync(CancellationToken.None);
        await AssertTalliesEqualTheRawTablesAsync("after a dispatch pass");
        Assert.True((await app.QueryAsync<long>("SELECT count(*) FROM outbound_messages WHERE status = 'sent'")).Single() >= 2);
    }

    [Fact]
    public async Task TheTriggersRunAsTheOnlyWriters_CompactionFoldsEachKeyIntoOneRow()
    {
        await using var conn = await app.OpenDatabaseAsync();
        for (var i = 0; i < 3; i++) await conn.ExecuteAsync(InsertOutboundSql, new { Times = Times[..1] });
        Assert.True(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT 1 FROM outbound_tallies GROUP BY slot, priority, status, handed_over HAVING count(*) > 1) d") > 0);

        await app.Services.GetRequiredService<CompactTallies>().RunAsync(CancellationToken.None);

        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT 1 FROM outbound_tallies GROUP BY slot, priority, status, handed_over HAVING count(*) > 1) d"));
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
