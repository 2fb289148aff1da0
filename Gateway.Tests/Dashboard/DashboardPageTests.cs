using System.Net;
using System.Text.Json;
using Dapper;
using Gateway.Hosting;
using Gateway.Tests.Support;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Dashboard;

/// <summary>The dashboard page over HTTP, and worker liveness wherever the gateway reports it.</summary>
public sealed class DashboardPageTests(DashboardPageTests.App app) : IClassFixture<DashboardPageTests.App>
{
    public sealed class App : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings) => settings["API_TOKENS"] = "lin:editor:editor-token-0123456789,wang:approver:approver-token-0123456789";
    }

    [Fact]
    public async Task TheDashboard_ShowsTheFiguresOfTheDatabase()
    {
        await StaffFixtures.AddAsync(app, "dash-viewer", ["viewer"]);
        await using (var conn = await app.OpenDatabaseAsync())
        {
            await conn.ExecuteAsync("""
                INSERT INTO subscribers (phone, language, status, region, created_at, opted_out_at)
                SELECT '+8613600' || lpad(g::text, 5, '0'), 'zh', CASE WHEN g <= 3 THEN 'opted_out' ELSE 'active' END, 'wuchang',
                       @Now, CASE WHEN g <= 3 THEN @Now END
                  FROM generate_series(1, 1234) g
                """, new { Now = app.Clock.GetUtcNow() });
            await conn.ExecuteAsync("""
                INSERT INTO outbound_messages (recipient, body, encoding, segments, cost, priority, kind, not_before, expires_at, status, sent_at, created_at, status_at)
                SELECT '+8613600' || lpad(g::text, 5, '0'), 'hi', 'GSM-7', 1, 0, 2, 'broadcast', @Now, @Now + interval '4 hours',
                       CASE WHEN g <= 987 THEN 'delivered' WHEN g <= 1000 THEN 'undelivered' ELSE 'queued' END,
                       CASE WHEN g <= 1000 THEN @Now END, @Now, @Now
                  FROM generate_series(1, 1050) g
                """, new { Now = app.Clock.GetUtcNow() });
        }
        var session = await ConsoleSession.SignInAsync(app, "dash-viewer", StaffFixtures.Password);

        var page = await session.Client.GetStringAsync("/");

        Assert.Contains("Active subscribers <b>1,231</b>", page);
        Assert.Contains("Sent in 14 days <b>1,000</b>", page);
        Assert.Contains("Delivery rate, 14 days <b>98.7%</b>", page);
        Assert.Contains("Waiting to be sent <b>50</b>", page);
        Assert.Contains("<th scope=\"row\">wuchang</th>", page);
        Assert.Contains("<th scope=\"row\">03-02</th><td class=\"n\">1,000</td><td class=\"n\">987</td><td class=\"n\">13</td><td class=\"n\">98.7%</td>", page.Replace("\n", "").Replace("  ", ""));
    }

    [Fact]
    public async Task WithNoWorkerAlive_TheDashboardWarns_HealthSaysSo_AndAnApprovedBroadcastSaysItWaits()
    {
        await StaffFixtures.AddAsync(app, "dash-no-worker", ["viewer"]);
        var session = await ConsoleSession.SignInAsync(app, "dash-no-worker", StaffFixtures.Password);
        var broadcast = await CreateApprovedBroadcastAsync();

        var page = await session.Client.GetStringAsync("/");
        var health = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/health/ready")).RootElement;
        var waiting = JsonDocument.Parse(await app.AdminClient().GetStringAsync($"/api/broadcasts/{broadcast}")).RootElement;

        Assert.Contains("<div class=\"alert\" role=\"alert\">", page);
        Assert.Contains("No worker is running", page);
        Assert.Equal("ready", health.GetProperty("status").GetString());
        Assert.Equal("degraded", health.GetProperty("checks").GetProperty("workers").GetProperty("status").GetString());
        Assert.Empty(health.GetProperty("workers").EnumerateArray());
        Assert.True(waiting.GetProperty("waitingForWorker").GetBoolean());
        Assert.Contains("no worker", waiting.GetProperty("warning").GetString());
    }

    [Fact]
    public async Task WithAWorkerAlive_NoWarning_AndHealthListsIt()
    {
        await StaffFixtures.AddAsync(app, "dash-worker", ["viewer"]);
        var session = await ConsoleSession.SignInAsync(app, "dash-worker", StaffFixtures.Password);
        var broadcast = await CreateApprovedBroadcastAsync();
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["nothing-here"], ServerName = "test-worker" },
            app.Services.GetRequiredService<JobStorage>());
        await WaitForHeartbeatAsync();

        var page = await session.Client.GetStringAsync("/");
        var health = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/health/ready")).RootElement;
        var detail = JsonDocument.Parse(await app.AdminClient().GetStringAsync($"/api/broadcasts/{broadcast}")).RootElement;

        Assert.DoesNotContain("role=\"alert\"", page);
        Assert.Contains("test-worker", page);
        Assert.Equal("healthy", health.GetProperty("checks").GetProperty("workers").GetProperty("status").GetString());
        Assert.StartsWith("test-worker", health.GetProperty("workers")[0].GetProperty("name").GetString());
        Assert.False(detail.GetProperty("waitingForWorker").GetBoolean());
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("warning").ValueKind);
        server.SendStop();
    }

    [Fact]
    public async Task TheWebProcess_LogsAWarning_WhileNoWorkerIsAlive()
    {
        var logs = new CapturingLogger();
        var watch = new WorkerWatch(app.Services.GetRequiredService<WorkerLiveness>(), app.Services.GetRequiredService<Gateway.Data.DatabaseReadiness>(), logs);

        Assert.False(await watch.CheckAsync(CancellationToken.None));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Text.StartsWith("No worker is alive"));
    }

    private async Task WaitForHeartbeatAsync()
    {
        var liveness = app.Services.GetRequiredService<WorkerLiveness>();
        for (var i = 0; i < 100 && (await liveness.ReadAsync(CancellationToken.None)).Count == 0; i++) await Task.Delay(100);
    }

    private async Task<long> CreateApprovedBroadcastAsync()
    {
        var created = await app.AdminClient("editor-token-0123456789").PostAsync("/api/broadcasts", new StringContent(
            """{"title":"Masks","content":{"zh":"请戴口罩","en":"Wear a mask"},"audience":{"topics":["notices"]}}""", System.Text.Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        var approved = await app.AdminClient("approver-token-0123456789").PostAsync($"/api/broadcasts/{id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        return id;
    }

    private sealed class CapturingLogger : ILogger<WorkerWatch>
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
