using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Gateway.Broadcasts;
using Gateway.Phones;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// Officials in Chromium over the real gateway, its worker in process and the simulator as provider: an editor composes
/// a bilingual notice and watches the counter pass from 1 to 2 segments at the 71st Chinese character; an approver
/// rejects one with a reason the editor reads, and approves another; the simulator's phones get exactly its audience and
/// the progress reaches sent; a broadcast is canceled while some of it still waits; a viewer sees numbers masked. Every
/// new page passes axe and weighs at most 100 KB.
/// </summary>
public sealed class BroadcastBrowserTests(BroadcastBrowserTests.App app) : IClassFixture<BroadcastBrowserTests.App>
{
    public sealed class App : BrowserApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["WORKER_IN_PROCESS"] = "true";
            settings["SMS_PRICE_PER_SEGMENT"] = "0.05";
            settings["API_TOKENS"] = $"lin:editor:{BroadcastApp.EditorToken},wang:approver:{BroadcastApp.ApproverToken},zhao:viewer:{BroadcastApp.ViewerToken}";
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "li.editor", ["editor"]);
            await StaffFixtures.AddAsync(this, "wang.approver", ["approver"]);
            await StaffFixtures.AddAsync(this, "zhao.viewer", ["viewer"]);
            await StaffFixtures.AddAsync(this, "chen.admin", ["admin"]);
        }
    }

    private static async Task<ConsoleBrowser> SignedInAsync(BrowserApp app, string name, string locale = "en-US")
    {
        var browser = await ConsoleBrowser.OpenAsync(app, locale);
        await browser.SignInAsync(name, StaffFixtures.Password);
        return browser;
    }

    /// <summary>What the simulator's phones received carrying <paramref name="marker"/>, once <paramref name="expected"/> have (or a minute passed).</summary>
    private async Task<List<(string To, string Body)>> ReceivedAsync(string marker, int expected)
    {
        List<(string To, string Body)> Read(string json) => JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(m => (m.GetProperty("to").GetString()!, m.GetProperty("body").GetString()!)).Where(m => m.Item2.Contains(marker)).ToList();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && Read(await app.AdminClient().GetStringAsync("/api/simulator/messages?limit=1000")).Count < expected)
            await Task.Delay(200);
        await Task.Delay(500);   // anything more that would (wrongly) arrive
        return Read(await app.AdminClient().GetStringAsync("/api/simulator/messages?limit=1000"));
    }

    [Fact]
    public async Task AnEditorComposes_AnApproverRejectsOneAndApprovesAnother_AndItReachesExactlyItsAudience()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        Resident zh1 = new(Broadcasting.NewPhone()), zh2 = new(Broadcasting.NewPhone()), en = new(Broadcasting.NewPhone(), "en"),
            tipsOnly = new(Broadcasting.NewPhone(), Topics: ["tips"]), optedOut = new(Broadcasting.NewPhone(), OptedOut: true), elsewhere = new(Broadcasting.NewPhone());
        await Broadcasting.SeedAsync(app, "jiangan", zh1, zh2, en, tipsOnly, optedOut);
        await Broadcasting.SeedAsync(app, "wuchang", elsewhere);

        await using var editor = await SignedInAsync(app, "li.editor");
        var page = await editor.Context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "New broadcast", Exact = true }).ClickAsync();
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync($"Fever clinic hours {marker}");
        var zh70 = $"发热门诊今天开放到晚上八点{marker}".PadRight(70, '。');
        var chinese = page.GetByLabel("Chinese text", new() { Exact = true });
        var counter = page.Locator("#zh-counter");
        Assert.Equal("polite", await counter.GetAttributeAsync("aria-live"));
        await chinese.FillAsync(zh70);
        await Assertions.Expect(counter).ToContainTextAsync("70 characters · UCS-2 · 1 segment · 0.05 per message");
        await chinese.FillAsync(zh70 + "。");
        await Assertions.Expect(counter).ToContainTextAsync("71 characters · UCS-2 · 2 segments · 0.10 per message");
        await page.GetByLabel("English text", new() { Exact = true }).FillAsync($"The fever clinic is open until 8pm today. {marker}");
        await Assertions.Expect(page.Locator("#en-counter")).ToContainTextAsync("1 segment");
        await page.GetByRole(AriaRole.Group, new() { Name = "Topics" }).GetByLabel("Prevention notices").CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Regions" }).GetByLabel("jiangan", new() { Exact = true }).CheckAsync();
        await Assertions.Expect(page.GetByLabel("Urgent", new() { Exact = true })).Not.ToBeCheckedAsync();
        var recipients = page.Locator("#recipients");
        Assert.Equal("polite", await recipients.GetAttributeAsync("aria-live"));
        // zh1 and zh2 get 2 segments, en 1: 5 × 0.05.
        await Assertions.Expect(recipients).ToContainTextAsync("3 recipients, total cost 0.25");
        await page.Locator("#title").EvaluateAsync("title => title.scrollIntoView()");
        await BrowserApp.ScreenshotAsync(page, "console-compose.png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit for approval", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Submitted for approval.");
        var approvedId = long.Parse(new Uri(page.Url).AbsolutePath.Split('/')[^1]);
        await editor.CheckPageAsync("/broadcasts/new");

        await page.GotoAsync("/broadcasts/new");
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync($"Draft to reject {marker}");
        await page.GetByLabel("Chinese text", new() { Exact = true }).FillAsync("明天停水。");
        await page.GetByRole(AriaRole.Group, new() { Name = "Regions" }).GetByLabel("jiangan", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit for approval", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Submitted for approval.");
        var rejectedId = long.Parse(new Uri(page.Url).AbsolutePath.Split('/')[^1]);

        await using (var approver = await SignedInAsync(app, "wang.approver"))
        {
            var approvals = await approver.Context.NewPageAsync();
            await approvals.GotoAsync("/");
            await approvals.GetByRole(AriaRole.Link, new() { Name = "Approvals", Exact = true }).ClickAsync();
            var draft = approvals.GetByRole(AriaRole.Region, new() { Name = $"Draft to reject {marker}" });
            await draft.GetByLabel("Reason", new() { Exact = true }).FillAsync("Say which hours, and where to fetch water.");
            await draft.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true }).ClickAsync();
            await Assertions.Expect(approvals.GetByRole(AriaRole.Status)).ToContainTextAsync("Rejected");
            var notice = approvals.GetByRole(AriaRole.Region, new() { Name = $"Fever clinic hours {marker}" });
            await Assertions.Expect(notice).ToContainTextAsync(zh70 + "。");
            await Assertions.Expect(notice).ToContainTextAsync("3 (after leaving out 1 who opted out");
            await approver.CheckPageAsync("/approvals");
            await notice.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await Assertions.Expect(approvals.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved.");
        }

        await page.GotoAsync($"/broadcasts/{rejectedId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("Say which hours, and where to fetch water.");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("By wang.approver at");

        var received = await ReceivedAsync(marker, 3);
        Assert.Equal(new[] { zh1.Phone, zh2.Phone, en.Phone }.Order(), received.Select(m => m.To).Order());
        Assert.StartsWith("The fever clinic", received.Single(m => m.To == en.Phone).Body);
        Assert.StartsWith("发热门诊", received.Single(m => m.To == zh1.Phone).Body);

        // The page follows the sending by itself; the minutely settle job then calls it sent.
        await page.GotoAsync($"/broadcasts/{approvedId}");
        var progress = page.GetByLabel("Messages finished");
        await Assertions.Expect(progress).ToHaveAttributeAsync("value", "3", new() { Timeout = 30_000 });
        await Assertions.Expect(progress).ToHaveAttributeAsync("max", "3");
        await app.Services.GetRequiredService<SettleBroadcasts>().RunAsync(CancellationToken.None);
        await Assertions.Expect(page.Locator("#progress .status")).ToContainTextAsync("Sent", new() { Timeout = 15_000 });
        await BrowserApp.ScreenshotAsync(page, "console-broadcast.png");
        await editor.CheckPageAsync($"/broadcasts/{approvedId}");
        await editor.CheckPageAsync("/broadcasts");
    }

    [Fact]
    public async Task ABroadcast_IsCanceledWhileSomeOfItStillWaits()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        Resident[] free = [new(Broadcasting.NewPhone()), new(Broadcasting.NewPhone()), new(Broadcasting.NewPhone())];
        Resident[] full = [new(Broadcasting.NewPhone()), new(Broadcasting.NewPhone())];
        await Broadcasting.SeedAsync(app, "hanyang", [.. free, .. full]);
        // These two already had their three bulk messages today: theirs waits until tomorrow (the frequency guard).
        await using (var conn = await app.OpenDatabaseAsync())
            await conn.ExecuteAsync("""
                INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind, not_before, expires_at, status, sent_at, created_at, status_at)
                SELECT s.phone, s.id, 'tip ' || n, 'GSM-7', 1, 0.05, 2, 'tip', @At, @At + interval '4 hours', 'delivered', @At, @At, @At
                  FROM subscribers s, generate_series(1, 3) n WHERE s.phone = ANY(@Phones)
                """, new { At = app.Clock.GetUtcNow().AddHours(-2), Phones = full.Select(r => r.Phone).ToArray() });
        var id = await Broadcasting.CreateAsync(app, new
        {
            title = $"Cancel me {marker}",
            content = new { zh = $"今天社区门诊开放。{marker}" },
            audience = new { regions = new[] { "hanyang" } },
        });
        await Broadcasting.ApproveAsync(app, id);
        Assert.Equal(3, (await ReceivedAsync(marker, 3)).Count);

        await using var editor = await SignedInAsync(app, "li.editor");
        var page = await editor.Context.NewPageAsync();
        await page.GotoAsync($"/broadcasts/{id}");
        await Assertions.Expect(page.Locator("#progress .status")).ToContainTextAsync("Sending");
        await Assertions.Expect(page.GetByLabel("Messages finished")).ToHaveAttributeAsync("value", "3", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByLabel("Messages finished")).ToHaveAttributeAsync("max", "5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel broadcast", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cancel this broadcast?" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel broadcast", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The broadcast is canceled.");
        await Assertions.Expect(page.Locator("#progress .status")).ToContainTextAsync("Canceled");
        var counts = await Broadcasting.CountsAsync(app, id);
        Assert.Equal((5, 3, 2, 0), (counts["planned"], counts["sent"], counts["canceled"], counts["waiting"]));
        Assert.Equal(free.Select(r => r.Phone).Order(), (await ReceivedAsync(marker, free.Length)).Select(m => m.To).Order());
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'broadcast.canceled' AND actor = 'li.editor' AND target = @t",
            new { t = $"broadcast {id}" }));
    }

    [Fact]
    public async Task AViewer_SeesResidentsMasked_AndEveryNewPagePassesAxe_InBothLanguages()
    {
        var resident = new Resident(Broadcasting.NewPhone(), "en");
        await Broadcasting.SeedAsync(app, "qiaokou", resident);
        var national = resident.Phone[3..];
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.AdminClient().PostAsync("/api/simulator/inbound",
            System.Net.Http.Json.JsonContent.Create(new { from = resident.Phone, body = "is the clinic open on sunday?" }))).StatusCode);

        await using var viewer = await SignedInAsync(app, "zhao.viewer");
        var page = await viewer.Context.NewPageAsync();
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "New broadcast", Exact = true })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Approvals", Exact = true })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Residents", Exact = true }).ClickAsync();
        await page.GetByLabel("Phone number", new() { Exact = true }).FillAsync($"{national[..3]} {national[3..7]} {national[7..]}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find", Exact = true }).ClickAsync();

        var main = page.GetByRole(AriaRole.Main);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Resident {Phone.Mask(resident.Phone)}");
        await Assertions.Expect(main).ToContainTextAsync("is the clinic open on sunday?");
        await Assertions.Expect(main).Not.ToContainTextAsync(resident.Phone);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show number" })).ToHaveCountAsync(0);
        var residentPath = new Uri(page.Url).AbsolutePath;
        await page.GetByRole(AriaRole.Link, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await Assertions.Expect(main).ToContainTextAsync(Phone.Mask(resident.Phone));
        await Assertions.Expect(main).Not.ToContainTextAsync(resident.Phone);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mark handled" })).ToHaveCountAsync(0);

        foreach (var path in new[] { "/residents", residentPath, "/inbox", "/courses", "/broadcasts" })
            await viewer.CheckPageAsync(path);
        await using var admin = await SignedInAsync(app, "chen.admin", "zh-CN");
        foreach (var path in new[] { "/broadcasts/new", "/approvals", "/broadcasts", "/residents", residentPath, "/inbox", "/courses" })
            await admin.CheckPageAsync(path);
    }
}
