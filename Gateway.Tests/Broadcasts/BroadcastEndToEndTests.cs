using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// The whole path with the worker inside the web process: approval enqueues the Hangfire start, Hangfire runs the
/// fan-out, the dispatcher sends through the simulator provider, and GET /api/simulator/messages shows exactly the
/// numbers that should have it.
/// </summary>
public sealed class BroadcastEndToEndTests(BroadcastEndToEndTests.App app) : IClassFixture<BroadcastEndToEndTests.App>
{
    public sealed class App : BroadcastApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["WORKER_IN_PROCESS"] = "true";
        }
    }

    [Fact]
    public async Task ApprovedBroadcast_ReachesExactlyItsAudience_ThroughTheSimulator()
    {
        var region = Broadcasting.NewRegion();
        Resident zh = new(Broadcasting.NewPhone()), en = new(Broadcasting.NewPhone(), "en"), mental = new(Broadcasting.NewPhone(), "zh", ["mental-health", "notices"]),
            tipsOnly = new(Broadcasting.NewPhone(), "zh", ["tips"]), optedOut = new(Broadcasting.NewPhone(), OptedOut: true);
        Resident elsewhere = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, region, zh, en, mental, tipsOnly, optedOut);
        await Broadcasting.SeedAsync(app, Broadcasting.NewRegion(), elsewhere);
        var marker = Guid.NewGuid().ToString("N")[..8];

        var id = await Broadcasting.CreateAsync(app, new
        {
            title = "Fever clinic",
            content = new { zh = $"发热门诊今天开放到晚上八点。{marker}", en = $"The fever clinic is open until 8pm today. {marker}" },
            audience = new { topics = new[] { "notices" }, regions = new[] { region } },
        });
        await Broadcasting.ApproveAsync(app, id);

        var expected = new[] { zh.Phone, en.Phone, mental.Phone }.Order().ToList();
        var clock = Stopwatch.StartNew();
        List<(string To, string Body)> received = [];
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var messages = JsonDocument.Parse(await app.AdminClient().GetStringAsync("/api/simulator/messages?limit=1000")).RootElement;
            received = messages.EnumerateArray().Select(m => (m.GetProperty("to").GetString()!, m.GetProperty("body").GetString()!))
                .Where(m => m.Item2.Contains(marker)).ToList();
            if (received.Count >= expected.Count) break;
            await Task.Delay(100);
        }
        await Task.Delay(300);   // anything more that would (wrongly) arrive

        received = JsonDocument.Parse(await app.AdminClient().GetStringAsync("/api/simulator/messages?limit=1000")).RootElement.EnumerateArray()
            .Select(m => (m.GetProperty("to").GetString()!, m.GetProperty("body").GetString()!)).Where(m => m.Item2.Contains(marker)).ToList();
        Assert.Equal(expected, received.Select(m => m.To).Order());
        Assert.StartsWith("The fever clinic", received.Single(m => m.To == en.Phone).Body);
        Assert.StartsWith("发热门诊", received.Single(m => m.To == zh.Phone).Body);
        foreach (var phone in new[] { tipsOnly.Phone, optedOut.Phone, elsewhere.Phone })
            Assert.Equal(0, JsonDocument.Parse(await app.AdminClient().GetStringAsync($"/api/simulator/messages?to={Uri.EscapeDataString(phone)}")).RootElement.GetArrayLength());

        var report = await Broadcasting.GetAsync(app, id);
        Assert.Equal(3, report.GetProperty("counts").GetProperty("planned").GetInt64());
        Assert.Equal(1, report.GetProperty("counts").GetProperty("skipped_opted_out").GetInt64());
    }
}
