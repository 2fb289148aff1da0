using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// SMS_MONTHLY_BUDGET: the month's spend (committed: handed to the provider or queued; estimated: approved broadcasts not
/// started) in previews and on the dashboard; over what remains, only an admin approves, by saying so, and it is audited.
/// </summary>
public sealed class BudgetTests(BudgetTests.App app) : IClassFixture<BudgetTests.App>
{
    public sealed class App : BroadcastApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["SMS_MONTHLY_BUDGET"] = "3.00";
        }
    }

    private static object Notice(string region, string title) => new
    {
        title,
        content = new { zh = "请戴口罩。" },
        audience = new { topics = new[] { "notices" }, regions = new[] { region } },
    };

    private async Task<string> ResidentsAsync(int count)
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, Enumerable.Range(0, count).Select(_ => new Resident(Broadcasting.NewPhone())).ToArray());
        return region;
    }

    private async Task<JsonElement> BudgetOfAsync(object notice)
    {
        var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts/preview", notice);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("budget");
    }

    private async Task<HttpResponseMessage> ApproveAsync(long id, string token, object? body = null) =>
        body is null ? await app.AdminClient(token).PostAsync($"/api/broadcasts/{id}/approve", null)
            : await app.AdminClient(token).PostAsJsonAsync($"/api/broadcasts/{id}/approve", body);

    [Fact]
    public async Task TheMonth_IsSpentAndEstimated_OnlyAnAdminApprovesOverIt_Audited_AndTheDashboardWarnsAt80And100Percent()
    {
        await StaffFixtures.AddAsync(app, "budget-viewer", ["viewer"]);
        var dashboard = await ConsoleSession.SignInAsync(app, "budget-viewer", StaffFixtures.Password);

        // 10 residents at 0.05: 0.50 of 3.00, approved and not started (no worker here): estimated.
        var small = await Broadcasting.CreateAsync(app, Notice(await ResidentsAsync(10), "Small"));
        var before = await BudgetOfAsync(Notice(await ResidentsAsync(1), "Probe"));
        Assert.Equal(("2026-03", 3.00m, 0m, 0m, 3.00m), (before.GetProperty("month").GetString(), before.GetProperty("budget").GetDecimal(),
            before.GetProperty("committed").GetDecimal(), before.GetProperty("estimated").GetDecimal(), before.GetProperty("remaining").GetDecimal()));
        Assert.Equal(HttpStatusCode.OK, (await ApproveAsync(small, BroadcastApp.ApproverToken)).StatusCode);
        Assert.Equal(0.5m, (await BudgetOfAsync(Notice(await ResidentsAsync(1), "Probe"))).GetProperty("estimated").GetDecimal());
        Assert.DoesNotContain("budget is nearly spent", await dashboard.Client.GetStringAsync("/"));

        // Committed: handed over this city month (and waiting in the queue); last month's sending does not count.
        await using (var conn = await app.OpenDatabaseAsync())
            await conn.ExecuteAsync("""
                INSERT INTO outbound_messages (recipient, body, encoding, segments, cost, priority, kind, not_before, expires_at, status, sent_at, created_at, status_at)
                VALUES ('+8613900000001', 'a', 'GSM-7', 1, 1.50, 2, 'tip', @Now, @Now + interval '4 hours', 'delivered', @Now, @Now, @Now),
                       ('+8613900000002', 'b', 'GSM-7', 1, 0.45, 2, 'tip', @Now, @Now + interval '4 hours', 'queued', NULL, @Now, @Now),
                       ('+8613900000003', 'c', 'GSM-7', 1, 9.00, 2, 'tip', @LastMonth, @LastMonth + interval '4 hours', 'sent', @LastMonth, @LastMonth, @LastMonth)
                """, new { Now = app.Clock.GetUtcNow(), LastMonth = new DateTimeOffset(2026, 2, 28, 23, 0, 0, TimeSpan.FromHours(8)).ToUniversalTime() });
        var month = await BudgetOfAsync(Notice(await ResidentsAsync(1), "Probe"));
        Assert.Equal((1.95m, 0.5m, 0.55m), (month.GetProperty("committed").GetDecimal(), month.GetProperty("estimated").GetDecimal(), month.GetProperty("remaining").GetDecimal()));
        var nearly = await dashboard.Client.GetStringAsync("/");
        Assert.Contains("The monthly SMS budget is nearly spent", nearly);
        Assert.Contains("81.7% of this month", nearly);

        // 20 residents: 1.00 > 0.55 remaining.
        var big = await Broadcasting.CreateAsync(app, Notice(await ResidentsAsync(20), "Big"));
        var refused = await ApproveAsync(big, BroadcastApp.ApproverToken);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("only an admin may approve it", problem.GetProperty("detail").GetString());
        var figures = problem.GetProperty("budget");
        Assert.Equal((3.00m, 1.95m, 0.5m, 0.55m, 1.00m, -0.45m, true), (figures.GetProperty("budget").GetDecimal(), figures.GetProperty("committed").GetDecimal(),
            figures.GetProperty("estimated").GetDecimal(), figures.GetProperty("remaining").GetDecimal(), figures.GetProperty("broadcastEstimate").GetDecimal(),
            figures.GetProperty("remainingAfter").GetDecimal(), figures.GetProperty("overBudget").GetBoolean()));

        var adminWithoutSaying = await ApproveAsync(big, GatewayApp.AdminToken);
        Assert.Equal(HttpStatusCode.Conflict, adminWithoutSaying.StatusCode);
        Assert.Contains("send {\"overBudget\": true}", JsonDocument.Parse(await adminWithoutSaying.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await ApproveAsync(big, BroadcastApp.ApproverToken, new { overBudget = true })).StatusCode);
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, big)).GetProperty("status").GetString());

        var overridden = await ApproveAsync(big, GatewayApp.AdminToken, new { overBudget = true });
        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        var audited = await app.QueryAsync<(string Actor, string Action, string? Detail)>(
            "SELECT actor, action, detail FROM audit_events WHERE target = @Target AND action LIKE 'broadcast.approved%' ORDER BY id", new { Target = $"broadcast {big}" });
        Assert.Equal(["broadcast.approved", "broadcast.approved_over_budget"], audited.Select(a => a.Action));
        Assert.All(audited, a => Assert.Equal("admin", a.Actor));
        Assert.Equal("month 2026-03: budget 3.00, committed 1.95, estimated 0.50, remaining 0.55; this broadcast 1.00 (1 sending), leaving -0.45", audited[1].Detail);
        Assert.Contains("The monthly SMS budget is spent", await dashboard.Client.GetStringAsync("/"));
    }

}
