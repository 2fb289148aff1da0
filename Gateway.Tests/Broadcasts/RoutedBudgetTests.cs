using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// The money figures with two routes at different prices (SMS_ROUTES=+86:kannel,*:simulator; Kannel 0.01 a segment, the
/// simulator 0.05): a broadcast's estimate, the monthly budget's estimated and committed spend, and the broadcast's page
/// all count each route at its own price. The audience is chosen so that any single price gives another total.
/// </summary>
public sealed class RoutedBudgetTests(RoutedBudgetTests.App app) : IClassFixture<RoutedBudgetTests.App>
{
    public sealed class App : BroadcastApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["SMS_MONTHLY_BUDGET"] = "3.00";
            RoutedBroadcastApp.AddKannelRoute(settings);
        }
    }

    private static int _numbers;

    // Two mainland residents and one in Hong Kong, each getting 2 segments: 4 × 0.01 + 2 × 0.05 = 0.14
    // (a single price would say 0.30 at 0.05, or 0.06 at 0.01).
    private const decimal Routed = 0.14m;

    private async Task<object> NoticeAsync(string title, string? sendAt = null)
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()),
            new Resident($"+8529{Interlocked.Increment(ref _numbers) + 2_000_000:D7}"));
        // 71 Chinese characters: UCS-2, 2 segments.
        var content = new { zh = new string('疫', 71) };
        var audience = new { topics = Array.Empty<string>(), regions = new[] { region } };
        return sendAt is null ? new { title, content, audience } : new { title, content, audience, sendAt };
    }

    private async Task<JsonElement> PreviewAsync(object notice)
    {
        var response = await app.AdminClient(EditorToken).PostAsJsonAsync("/api/broadcasts/preview", notice);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static (decimal Committed, decimal Estimated, decimal Remaining, decimal BroadcastEstimate) Figures(JsonElement preview)
    {
        var b = preview.GetProperty("budget");
        return (b.GetProperty("committed").GetDecimal(), b.GetProperty("estimated").GetDecimal(), b.GetProperty("remaining").GetDecimal(),
            b.GetProperty("broadcastEstimate").GetDecimal());
    }

    private const string EditorToken = BroadcastApp.EditorToken;

    [Fact]
    public async Task TheEstimate_TheMonthsBudget_AndTheBroadcastsPage_CountEachRouteAtItsPrice()
    {
        // The preview: each route at its price, and the budget's estimate of this broadcast is their sum.
        var later = await NoticeAsync("Tomorrow's notice", sendAt: "2026-03-03T10:00");
        var preview = await PreviewAsync(later);
        Assert.Equal(Routed, preview.GetProperty("estimatedCost").GetDecimal());
        Assert.Equal((0m, 0m, 3.00m, Routed), Figures(preview));

        // Approved for tomorrow: kept as its estimate, and counted in the month's estimated spend.
        var id = await Broadcasting.CreateAsync(app, later);
        await Broadcasting.ApproveAsync(app, id);
        Assert.Equal(Routed, (await Broadcasting.GetAsync(app, id)).GetProperty("estimatedCost").GetDecimal());
        Assert.Equal((0m, Routed, 3.00m - Routed, Routed), Figures(await PreviewAsync(await NoticeAsync("Probe"))));

        // Sent now: its queued rows are committed, each at its route's price.
        await Broadcasting.SendAsync(app, await NoticeAsync("Today's notice"));
        Assert.Equal((Routed, Routed, 3.00m - 2 * Routed, Routed), Figures(await PreviewAsync(await NoticeAsync("Probe"))));

        // The broadcast's page: the estimate kept at approval, and its lines per route.
        await StaffFixtures.AddAsync(app, "routes-viewer", ["viewer"]);
        var viewer = await ConsoleSession.SignInAsync(app, "routes-viewer", StaffFixtures.Password);
        var page = WebUtility.HtmlDecode(await viewer.Client.GetStringAsync($"/broadcasts/{id}"));
        Assert.Contains("<dt>Estimated cost per sending, at approval</dt><dd>0.14</dd>", page);
        Assert.Contains("<caption>Messages per route, estimated at approval</caption>", page);
        Assert.Matches(@"<th scope=""row"">Kannel \(operator's SMPP link\)</th>\s*<td>\+86</td>\s*<td class=""n"">2</td>\s*<td class=""n"">4</td>\s*<td class=""n"">0.01</td>\s*<td class=""n"">0.04</td>", page);
        Assert.Matches(@"<th scope=""row"">Simulator</th>\s*<td>every other number</td>\s*<td class=""n"">1</td>\s*<td class=""n"">2</td>\s*<td class=""n"">0.05</td>\s*<td class=""n"">0.10</td>", page);
    }
}
