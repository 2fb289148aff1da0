using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Delivery;
using Gateway.Tests.Broadcasts;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// SMS_ROUTES=+86:kannel,*:simulator in front of a real Kannel, each route at its own price, with the worker in the
/// process: approval starts the fan-out, and each provider's dispatcher sends its own rows.
/// </summary>
public sealed class KannelRoutedBroadcastApp : KannelGatewayApp
{
    public const decimal KannelPrice = 0.01m;
    public const decimal SimulatorPrice = 0.05m;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["API_TOKENS"] = BroadcastApp.ApiTokens;
        settings["SMS_ROUTES"] = "+86:kannel,*:simulator";
        settings["SIMULATOR_ENABLED"] = "true";
        settings["SMS_PRICE_PER_SEGMENT"] = SimulatorPrice.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["KANNEL_PRICE_PER_SEGMENT"] = KannelPrice.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["WORKER_IN_PROCESS"] = "true";
    }
}

/// <summary>
/// One broadcast to residents on both routes, seen from outside the gateway: what Kannel's fake SMSC link received
/// (mainland numbers only, Chinese in UCS-2 parts, English in GSM-7), what the simulator received (the others only),
/// and the rows stored per route with that route's price, matching what the preview promised.
/// </summary>
public sealed class KannelRoutedBroadcastTests(KannelRoutedBroadcastApp app) : IClassFixture<KannelRoutedBroadcastApp>
{
    private static int _numbers;

    private static string MainlandPhone() => $"+86139{Interlocked.Increment(ref _numbers) + 30_000_000:D8}";

    private static string HongKongPhone() => $"+8526{Interlocked.Increment(ref _numbers) + 1_000_000:D7}";

    private FakeSmsc Smsc => app.Kannel.Smsc ?? throw new InvalidOperationException("no fake SMSC client is connected");

    private sealed record RouteRow(string Provider, long Messages, long Segments, decimal Cost);

    [Fact]
    public async Task ABroadcast_GoesToKannelForMainlandNumbers_AndToTheSimulatorForTheRest_EachAtItsPrice()
    {
        var region = Broadcasting.NewRegion();
        var marker = Guid.NewGuid().ToString("N")[..6];
        // 21 characters four times, and the marker: 90 UCS-2 characters, 2 segments. The English fits one GSM-7 segment.
        var chinese = string.Concat(Enumerable.Repeat("发热门诊今天开放到晚上八点，请戴口罩前往。", 4)) + marker;
        var english = $"The fever clinic is open until 8pm today; wear a mask. {marker}";
        Resident[] mainland = [new(MainlandPhone()), new(MainlandPhone()), new(MainlandPhone(), "en")];
        Resident[] hongKong = [new(HongKongPhone()), new(HongKongPhone(), "en")];
        Resident[] nobody = [new(MainlandPhone(), OptedOut: true), new(HongKongPhone(), OptedOut: true)];
        await Broadcasting.SeedAsync(app, region, [.. mainland, .. hongKong, .. nobody]);
        var notice = new
        {
            title = "Fever clinic hours",
            content = new { zh = chinese, en = english },
            audience = new { topics = Array.Empty<string>(), regions = new[] { region }, languages = Array.Empty<string>() },
            urgent = false,
        };

        var previewResponse = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts/preview", notice);
        Assert.Equal(HttpStatusCode.OK, previewResponse.StatusCode);
        var preview = JsonDocument.Parse(await previewResponse.Content.ReadAsStringAsync()).RootElement;
        var promised = preview.GetProperty("routes").EnumerateArray().Select(r => new RouteRow(r.GetProperty("provider").GetString()!,
            r.GetProperty("messages").GetInt64(), r.GetProperty("segments").GetInt64(), r.GetProperty("cost").GetDecimal())).ToList();
        var id = await Broadcasting.CreateAsync(app, notice);
        await Broadcasting.ApproveAsync(app, id);

        // Kannel: the mainland numbers only, the Chinese in two concatenated UCS-2 parts, the English as GSM-7 text.
        foreach (var r in mainland.Where(r => r.Language == "zh"))
        {
            var parts = await Smsc.WaitForAsync(r.Phone, 2, TimeSpan.FromSeconds(60));
            Assert.Equal(2, parts.Count);
            Assert.All(parts, p => Assert.Equal((LocalKannel.Sender, 2), (p.From, p.Part!.Value.Total)));
            Assert.Equal(chinese, System.Text.Encoding.BigEndianUnicode.GetString(parts.OrderBy(p => p.Part!.Value.Sequence).SelectMany(p => p.Payload).ToArray()));
        }
        var en = Assert.Single(await Smsc.WaitForAsync(mainland.Single(r => r.Language == "en").Phone, 1, TimeSpan.FromSeconds(60)));
        Assert.Equal(("text", english), (en.Type, en.Text));

        // The simulator: the Hong Kong numbers only, each in its language.
        var simulated = await SimulatorMessagesAsync(marker, hongKong.Length);
        Assert.Equal(hongKong.Select(r => r.Phone).Order(), simulated.Select(m => m.To).Order());
        Assert.Equal(chinese, simulated.Single(m => m.To == hongKong[0].Phone).Body);
        Assert.Equal(english, simulated.Single(m => m.To == hongKong[1].Phone).Body);

        // Nothing else anywhere: no Hong Kong or opted-out number at Kannel, no mainland number at the simulator.
        await Task.Delay(300);
        Assert.Equal(mainland.Select(r => r.Phone).Order(), Smsc.Received.Select(m => m.To).Distinct().Order());
        Assert.Equal(5, Smsc.Received.Count);
        Assert.Equal(hongKong.Length, (await SimulatorMessagesAsync(marker, 0)).Count);

        // Stored: each row with its route and that route's price, as the preview said before sending.
        var stored = await app.QueryAsync<RouteRow>("""
            SELECT m.provider, count(*) AS messages, sum(m.segments) AS segments, sum(m.cost) AS cost
              FROM outbound_messages m JOIN broadcast_occurrences o ON o.id = m.broadcast_id
             WHERE o.broadcast_id = @id
             GROUP BY m.provider ORDER BY m.provider
            """, new { id });
        Assert.Equal([new("kannel", 3, 5, 5 * KannelRoutedBroadcastApp.KannelPrice), new("simulator", 2, 3, 3 * KannelRoutedBroadcastApp.SimulatorPrice)], stored);
        Assert.Equal(stored, promised.OrderBy(r => r.Provider));
        Assert.Equal(stored.Sum(r => r.Cost), (await Broadcasting.GetAsync(app, id)).GetProperty("estimatedCost").GetDecimal());
        // Each hand-off is recorded once its provider answered (the fake SMSC may see a message a moment before that).
        var statuses = await StatusesAsync(id);
        Assert.Equal(5, statuses.Count);
        Assert.All(statuses, s => Assert.Contains(s, new[] { OutboundStatus.Sent, OutboundStatus.Delivered }));
    }

    private async Task<IReadOnlyList<string>> StatusesAsync(long broadcastId)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var statuses = await app.QueryAsync<string>("""
                SELECT m.status FROM outbound_messages m JOIN broadcast_occurrences o ON o.id = m.broadcast_id WHERE o.broadcast_id = @broadcastId
                """, new { broadcastId });
            if (statuses.All(s => s is OutboundStatus.Sent or OutboundStatus.Delivered) || clock.Elapsed > TimeSpan.FromSeconds(15)) return statuses;
            await Task.Delay(50);
        }
    }

    private sealed record Simulated(string To, string Body);

    // GET /api/simulator/messages, as an operator of a staging gateway reads it: the messages carrying the marker.
    private async Task<IReadOnlyList<Simulated>> SimulatorMessagesAsync(string marker, int atLeast)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var messages = JsonDocument.Parse(await app.AdminClient().GetStringAsync("/api/simulator/messages?limit=1000")).RootElement
                .EnumerateArray().Select(m => new Simulated(m.GetProperty("to").GetString()!, m.GetProperty("body").GetString()!))
                .Where(m => m.Body.Contains(marker, StringComparison.Ordinal)).ToList();
            if (messages.Count >= atLeast) return messages;
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"{messages.Count} of {atLeast} messages reached the simulator");
            await Task.Delay(100);
        }
    }
}
