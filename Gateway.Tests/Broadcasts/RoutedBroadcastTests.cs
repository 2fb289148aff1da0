using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>Broadcasts with two routes: mainland numbers through Kannel at the operator's price, the rest through the simulator.</summary>
public sealed class RoutedBroadcastApp : BroadcastApp
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        AddKannelRoute(settings);
        settings["KANNEL_RATE_PER_SECOND"] = "100";
        settings["SMS_RATE_PER_SECOND"] = "10";
    }

    /// <summary>SMS_ROUTES=+86:kannel,*:simulator, Kannel at 0.01 a segment, on a port nobody listens on: the fixtures
    /// that use it count and price routes but never dispatch.</summary>
    public static void AddKannelRoute(Dictionary<string, string?> settings)
    {
        settings["SMS_ROUTES"] = "+86:kannel,*:simulator";
        settings["KANNEL_SENDSMS_URL"] = "http://127.0.0.1:9/cgi-bin/sendsms";
        settings["KANNEL_USERNAME"] = "gateway";
        settings["KANNEL_PASSWORD"] = "secret";
        settings["KANNEL_FROM"] = "12356";
        settings["KANNEL_CALLBACK_TOKEN"] = "routes-token-0123456789";
        settings["KANNEL_PRICE_PER_SEGMENT"] = "0.01";
    }
}

/// <summary>
/// The preview's figures per route, and the broadcast's rows: each gets the provider SMS_ROUTES gives its number when it
/// is queued (the set-based insert, through the database function start-up wrote) and costs that provider's price.
/// </summary>
public sealed class RoutedBroadcastTests(RoutedBroadcastApp app) : IClassFixture<RoutedBroadcastApp>
{
    private static int _numbers;

    private static string HongKongPhone() => $"+8529{Interlocked.Increment(ref _numbers) + 1_000_000:D7}";

    [Fact]
    public async Task ThePreview_GivesMessagesAndCostPerRoute_AndTheRowsGoWhereItSaid()
    {
        var region = Broadcasting.NewRegion();
        Resident[] mainland = [new(Broadcasting.NewPhone()), new(Broadcasting.NewPhone()), new(Broadcasting.NewPhone(), "en")];
        Resident[] hongKong = [new(HongKongPhone()), new(HongKongPhone(), "en")];
        await Broadcasting.SeedAsync(app, region, [.. mainland, .. hongKong]);
        var notice = new
        {
            title = "Clinic hours",
            // Chinese in 2 segments (UCS-2, 71 characters), English in 1.
            content = new { zh = new string('发', 71), en = "The fever clinic is open 24 hours." },
            audience = new { topics = Array.Empty<string>(), regions = new[] { region }, languages = Array.Empty<string>() },
            urgent = false,
        };

        var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts/preview", notice);
        var preview = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var routes = preview.GetProperty("routes").EnumerateArray().ToDictionary(r => r.GetProperty("provider").GetString()!);
        Assert.Equal(["kannel", "simulator"], routes.Keys);
        var kannel = routes["kannel"];
        Assert.Equal(["+86"], kannel.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString()));
        // Two Chinese residents of 2 segments and one English of 1: 3 messages, 5 segments at 0.01.
        Assert.Equal((3, 5, 0.01m, 0.05m), (kannel.GetProperty("messages").GetInt64(), kannel.GetProperty("segments").GetInt64(),
            kannel.GetProperty("pricePerSegment").GetDecimal(), kannel.GetProperty("cost").GetDecimal()));
        Assert.Equal("00:00:01", kannel.GetProperty("estimatedDuration").GetString());   // 5 segments at KANNEL_RATE_PER_SECOND=100
        var simulator = routes["simulator"];
        Assert.Equal(["*"], simulator.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal((2, 3, 0.05m, 0.15m), (simulator.GetProperty("messages").GetInt64(), simulator.GetProperty("segments").GetInt64(),
            simulator.GetProperty("pricePerSegment").GetDecimal(), simulator.GetProperty("cost").GetDecimal()));
        Assert.Equal(0.20m, preview.GetProperty("estimatedCost").GetDecimal());
        Assert.Equal((5, 8), (preview.GetProperty("recipients").GetInt64(), preview.GetProperty("segments").GetInt64()));

        var id = await Broadcasting.SendAsync(app, notice);

        var rows = await app.QueryAsync<(string Recipient, string Provider, decimal Cost)>(
            "SELECT recipient, provider, cost FROM outbound_messages WHERE broadcast_id = @id", new { id });
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(r.Recipient.StartsWith("+86", StringComparison.Ordinal) ? "kannel" : "simulator", r.Provider));
        Assert.Equal(0.05m, rows.Where(r => r.Provider == "kannel").Sum(r => r.Cost));
        Assert.Equal(0.15m, rows.Where(r => r.Provider == "simulator").Sum(r => r.Cost));
    }
}
