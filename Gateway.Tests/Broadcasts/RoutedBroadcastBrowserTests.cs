using Deque.AxeCore.Playwright;
using Gateway.Tests.Support;
using Microsoft.Playwright;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// The console's broadcast pages with two routes (SMS_ROUTES=+86:kannel,*:simulator, Kannel at 0.01 a segment, the
/// simulator at 0.05): compose, the broadcast's page and approvals show one line per route (route, numbers, recipients,
/// segments, price, cost), found by their table's caption and row header as a screen reader user would, and after
/// approval the broadcast's page shows the routes as estimated then. The worker is off: nothing is sent, nothing changes
/// the figures. Each page with the table passes axe.
/// </summary>
public sealed class RoutedBroadcastBrowserTests(RoutedBroadcastBrowserTests.App app) : IClassFixture<RoutedBroadcastBrowserTests.App>
{
    public sealed class App : BrowserApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["SMS_PRICE_PER_SEGMENT"] = "0.05";
            RoutedBroadcastApp.AddKannelRoute(settings);
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "li.editor", ["editor"]);
            await StaffFixtures.AddAsync(this, "wang.approver", ["approver"]);
        }
    }

    private const string Kannel = "Kannel (operator's SMPP link)";
    private const string Simulator = "Simulator";

    // Two Chinese residents of 2 segments and one English of 1 on +86: 3 messages, 5 segments at 0.01. One of each
    // elsewhere: 2 messages, 3 segments at 0.05. A single price would make the two costs 0.25 and 0.15, or 0.05 and 0.03.
    private static readonly string[] KannelLine = ["+86", "3", "5", "0.01", "0.05"];
    private static readonly string[] SimulatorLine = ["every other number", "2", "3", "0.05", "0.15"];

    private static ILocator Line(ILocator table, string route) =>
        table.GetByRole(AriaRole.Row).Filter(new() { Has = table.Page.GetByRole(AriaRole.Rowheader, new() { Name = route, Exact = true }) }).GetByRole(AriaRole.Cell);

    private static async Task ExpectLinesAsync(ILocator within, string caption)
    {
        var table = within.GetByRole(AriaRole.Table, new() { Name = caption, Exact = true });
        await Assertions.Expect(Line(table, Kannel)).ToHaveTextAsync(KannelLine);
        await Assertions.Expect(Line(table, Simulator)).ToHaveTextAsync(SimulatorLine);
        await Assertions.Expect(table.GetByRole(AriaRole.Rowheader)).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Compose_Approvals_AndTheBroadcastsPage_ShowMessagesAndCostPerRoute()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var region = $"routes-{marker}";
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone()),
            new Resident(Broadcasting.NewPhone(), "en"), new Resident($"+8529{Random.Shared.Next(1_000_000, 9_999_999)}"),
            new Resident($"+8526{Random.Shared.Next(1_000_000, 9_999_999)}", "en"));

        await using var editor = await ConsoleBrowser.OpenAsync(app);
        await editor.SignInAsync("li.editor", StaffFixtures.Password);
        var page = await editor.Context.NewPageAsync();
        await page.GotoAsync("/broadcasts/new");
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync($"Clinic hours {marker}");
        await page.GetByLabel("Chinese text", new() { Exact = true }).FillAsync($"发热门诊今天开放到晚上八点{marker}".PadRight(71, '。'));
        await page.GetByLabel("English text", new() { Exact = true }).FillAsync($"The fever clinic is open until 8pm today. {marker}");
        await page.GetByRole(AriaRole.Group, new() { Name = "Regions" }).GetByLabel(region, new() { Exact = true }).CheckAsync();

        await Assertions.Expect(page.Locator("#recipients")).ToContainTextAsync("5 recipients, total cost 0.20");
        await ExpectLinesAsync(page.Locator("main"), "Messages per route");
        await ExpectNoSeriousAxeViolationsAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit for approval", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Submitted for approval.");
        var id = long.Parse(new Uri(page.Url).AbsolutePath.Split('/')[^1]);
        await ExpectLinesAsync(page.Locator("main"), "Messages per route, if approved now");
        await editor.CheckPageAsync($"/broadcasts/{id}");

        await using var approver = await ConsoleBrowser.OpenAsync(app);
        await approver.SignInAsync("wang.approver", StaffFixtures.Password);
        var approvals = await approver.Context.NewPageAsync();
        await approvals.GotoAsync("/approvals");
        var waiting = approvals.GetByRole(AriaRole.Region, new() { Name = $"Clinic hours {marker}" });
        await ExpectLinesAsync(waiting, "Messages per route, if approved now");
        await approver.CheckPageAsync("/approvals");
        await waiting.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
        await Assertions.Expect(approvals.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved.");

        await page.GotoAsync($"/broadcasts/{id}");
        await ExpectLinesAsync(page.Locator("main"), "Messages per route, estimated at approval");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Messages per route, if approved now" })).ToHaveCountAsync(0);
        await editor.CheckPageAsync($"/broadcasts/{id}");
    }

    // The compose page's table appears as the editor types: axe on the page as it stands (CheckPageAsync loads afresh).
    private static async Task ExpectNoSeriousAxeViolationsAsync(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("; ", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }
}
