using Dapper;
using Gateway.Tests.Support;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Gateway.Tests.Dashboard;

/// <summary>The dashboard in Chromium: its tables show the database's figures, its charts draw them, and it warns when no worker runs.</summary>
public sealed class DashboardBrowserTests(DashboardBrowserTests.App app) : IClassFixture<DashboardBrowserTests.App>
{
    public sealed class App : BrowserApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "official", ["admin"]);
            await using var conn = await OpenDatabaseAsync();
            await conn.ExecuteAsync(SeedSql, new { Now = Clock.GetUtcNow() });
        }
    }

    // Two weeks of a small city: residents in four districts, daily broadcasts with a few failures, a queue waiting.
    private const string SeedSql = """
        INSERT INTO subscribers (phone, language, status, region, created_at, opted_out_at)
        SELECT '+8613500' || lpad(g::text, 5, '0'), CASE WHEN g % 4 = 0 THEN 'en' ELSE 'zh' END,
               CASE WHEN g % 17 = 0 THEN 'opted_out' ELSE 'active' END,
               (ARRAY['jiangan', 'wuchang', 'hanyang', 'hongshan'])[1 + g % 4],
               @Now - make_interval(hours => g % 330), CASE WHEN g % 17 = 0 THEN @Now - make_interval(hours => g % 300) END
          FROM generate_series(1, 2400) g;
        INSERT INTO subscriptions (subscriber_id, topic, created_at)
        SELECT id, topic, created_at FROM subscribers, unnest(ARRAY['notices', 'tips', 'lessons']) topic
         WHERE topic = 'notices' OR (topic = 'tips' AND id % 3 = 0) OR (topic = 'lessons' AND id % 5 = 0);
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind, not_before, expires_at,
                                       status, sent_at, created_at, status_at)
        SELECT s.phone, s.id, '请戴口罩', 'UCS-2', 1, 0.05, 2, 'broadcast', t, t + interval '4 hours',
               CASE WHEN d = 0 AND s.id % 3 = 0 THEN 'queued' WHEN (s.id + d) % 41 = 0 THEN 'undelivered' WHEN (s.id + d) % 53 = 0 THEN 'failed' ELSE 'delivered' END,
               CASE WHEN d = 0 AND s.id % 3 = 0 THEN NULL WHEN (s.id + d) % 53 = 0 THEN NULL ELSE t END, t, t + interval '5 minutes'
          FROM generate_series(0, 13) d, LATERAL (SELECT @Now - make_interval(days => d, hours => 1) AS t) tt, subscribers s
         WHERE s.status = 'active' AND s.id % (2 + d % 3) = 0;
        """;

    [Fact]
    public async Task TheDashboard_ShowsTheFiguresOfTheDatabase_InTablesBesideTheirCharts()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync("official", StaffFixtures.Password);

        var expected = await app.QuerySingleAsync<(long Active, long Sent, long Delivered, long Failed, long Queued)>("""
            SELECT (SELECT count(*) FROM subscribers WHERE status = 'active'),
                   (SELECT count(*) FROM outbound_messages WHERE sent_at IS NOT NULL AND status NOT IN ('queued', 'sending') AND (sent_at AT TIME ZONE 'Asia/Shanghai')::date = '2026-03-02'),
                   (SELECT count(*) FROM outbound_messages WHERE status = 'delivered' AND (coalesce(sent_at, status_at) AT TIME ZONE 'Asia/Shanghai')::date = '2026-03-02'),
                   (SELECT count(*) FROM outbound_messages WHERE status IN ('failed', 'undelivered') AND (coalesce(sent_at, status_at) AT TIME ZONE 'Asia/Shanghai')::date = '2026-03-02'),
                   (SELECT count(*) FROM outbound_messages WHERE status = 'queued')
            """);
        var today = page.GetByRole(AriaRole.Table, new() { Name = "Messages per day" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "03-02" });
        var cells = await today.GetByRole(AriaRole.Cell).AllInnerTextsAsync();
        Assert.Equal([expected.Sent.ToString("N0"), expected.Delivered.ToString("N0"), expected.Failed.ToString("N0")], cells.Take(3));
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Active subscribers" })).ToContainTextAsync(expected.Active.ToString("N0"));
        var bulk = page.GetByRole(AriaRole.Table, new() { Name = "Messages waiting, by priority" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Broadcasts" });
        Assert.Equal(expected.Queued.ToString("N0"), (await bulk.GetByRole(AriaRole.Cell).AllInnerTextsAsync())[0]);
        // Every chart draws a bar per figure, hidden from screen readers, which read the table.
        Assert.Equal(14 * 3, await page.Locator("figure").First.Locator("rect").CountAsync());
        Assert.Equal("true", await page.Locator("svg.chart").First.GetAttributeAsync("aria-hidden"));

        await BrowserApp.ScreenshotAsync(page, "console-dashboard.png");
        var load = await browser.CheckPageAsync("/");
        Assert.True(load.Requests.Count <= 2, string.Join(", ", load.Requests));
    }

    [Fact]
    public async Task WithNoWorker_TheDashboardWarns_AndStopsWhenOneRuns()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(app);
        var page = await browser.SignInAsync("official", StaffFixtures.Password);

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No worker is running");

        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["nothing-here"], ServerName = "browser-worker" },
            app.Services.GetRequiredService<JobStorage>());
        var liveness = app.Services.GetRequiredService<Gateway.Hosting.WorkerLiveness>();
        for (var i = 0; i < 100 && (await liveness.ReadAsync(CancellationToken.None)).Count == 0; i++) await Task.Delay(100);
        await page.ReloadAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Workers alive (1)" })).ToContainTextAsync("browser-worker");
        server.SendStop();
    }
}
