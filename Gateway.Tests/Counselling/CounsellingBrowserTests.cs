using System.Text.RegularExpressions;
using Gateway.Phones;
using Gateway.Tests.Support;
using Microsoft.Playwright;

namespace Gateway.Tests.Counselling;

/// <summary>
/// Tried as a new counsellor would, in Chromium over the real gateway with its worker in process and the simulator as
/// the resident's phone: a resident writes crisis words in /simulator; after CRISIS_CLAIM_WITHIN (fake clock) the
/// counsellor signs in, sees the red banner, the request with its waiting time, claims it, and holds a conversation with
/// the resident typing in /simulator, never seeing the full number; then closes it with an outcome. Every page passes
/// axe and weighs at most 100 KB.
/// </summary>
public sealed class CounsellingBrowserTests(CounsellingBrowserTests.App app) : IClassFixture<CounsellingBrowserTests.App>
{
    public sealed class App : BrowserApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["WORKER_IN_PROCESS"] = "true";
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "lin.counsellor", ["counsellor"]);
            await StaffFixtures.AddAsync(this, "chen.admin", ["admin"]);
            await StaffFixtures.AddAsync(this, "zhao.viewer", ["viewer"]);
        }
    }

    private static async Task<ConsoleBrowser> SignedInAsync(BrowserApp app, string name, string locale = "en-US")
    {
        var browser = await ConsoleBrowser.OpenAsync(app, locale);
        await browser.SignInAsync(name, StaffFixtures.Password);
        return browser;
    }

    /// <summary>The resident's phone: /simulator (behind a staff sign-in outside local mode), on their number.</summary>
    private static async Task<IPage> PhoneAsync(ConsoleBrowser browser, string phone)
    {
        var page = await browser.OpenPageAsync("/simulator");
        await page.Locator("#from").FillAsync(phone);
        await page.Locator("#from").DispatchEventAsync("change");
        return page;
    }

    private static async Task TypeAsync(IPage phone, string text)
    {
        await phone.Locator("#send input[name=body]").FillAsync(text);
        await phone.Locator("#send button").ClickAsync();
        // The phone shows the message once the gateway stored it (the log is read back from the server).
        await Assertions.Expect(phone.Locator("#log")).ToContainTextAsync(text, new() { Timeout = 15_000 });
        await Assertions.Expect(phone.Locator("#send input[name=body]")).ToHaveValueAsync("", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task ACounsellorSeesAWaitingCrisis_ClaimsIt_AndTalksWithTheResidentInTheSimulator_NeverSeeingTheNumber()
    {
        var number = "+8613766660" + Random.Shared.Next(100, 999);
        await using var resident = await SignedInAsync(app, "chen.admin");
        var phone = await PhoneAsync(resident, number);
        await TypeAsync(phone, "我不想活了");
        await Assertions.Expect(phone.Locator("#log")).ToContainTextAsync("12356");

        app.Clock.Advance(TimeSpan.FromMinutes(12));

        await using var counsellor = await SignedInAsync(app, "lin.counsellor");
        var page = await counsellor.OpenPageAsync("/");
        var banner = page.Locator("#support-banner");
        await Assertions.Expect(banner).ToHaveAttributeAsync("role", "alert");
        await Assertions.Expect(banner).ToContainTextAsync("1 crisis request(s) waiting longer than allowed");
        await page.GetByRole(AriaRole.Link, new() { Name = "Support", Exact = true }).ClickAsync();
        var row = page.Locator("tr.crisis");
        await Assertions.Expect(row).ToContainTextAsync("Crisis");
        await Assertions.Expect(row).ToContainTextAsync("0 h 12 min");
        await Assertions.Expect(row).ToContainTextAsync(Phone.Mask(number));
        await counsellor.CheckPageAsync("/support");

        await row.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/support/\d+\?done=claimed$"));
        var path = new Uri(page.Url).AbsolutePath;
        await Assertions.Expect(phone.Locator("#log")).ToContainTextAsync("心理咨询师现在在这里陪您", new() { Timeout = 30_000 });

        await page.GetByLabel("Reply", new() { Exact = true }).FillAsync("I'm Lin, a counsellor. I'm here. Can you tell me where you are?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[role=status]")).ToContainTextAsync("Your reply is on its way");
        await Assertions.Expect(phone.Locator("#log")).ToContainTextAsync("Can you tell me where you are?", new() { Timeout = 30_000 });

        // The resident answers, even with a keyword or a menu digit: it reaches the counsellor, and nothing answers it.
        await TypeAsync(phone, "help");
        await TypeAsync(phone, "1");
        await TypeAsync(phone, "在家，一个人");
        await page.ReloadAsync();
        var conversation = page.Locator("ol.conversation");
        await Assertions.Expect(conversation).ToContainTextAsync("在家，一个人", new() { Timeout = 10_000 });
        await Assertions.Expect(conversation).ToContainTextAsync("help");
        await Assertions.Expect(conversation.Locator("li.out").Last).ToContainTextAsync(new Regex("sent|delivered"));
        Assert.DoesNotContain("Reply JOIN", await phone.Locator("#log").InnerTextAsync());
        await counsellor.CheckPageAsync(path);

        // Masked everywhere the counsellor looks.
        foreach (var look in new[] { path, "/support", "/inbox", "/" })
        {
            var html = await (await counsellor.OpenPageAsync(look)).ContentAsync();
            Assert.DoesNotContain(number, html);
            Assert.DoesNotContain(number[3..], html);
        }

        await page.GetByLabel("Outcome", new() { Exact = true }).SelectOptionAsync("referred");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close conversation", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[role=status]")).ToContainTextAsync("The conversation is closed");
        await Assertions.Expect(phone.Locator("#log")).ToContainTextAsync("想再倾诉时", new() { Timeout = 30_000 });
        await TypeAsync(phone, "帮助");
        await Assertions.Expect(phone.Locator("#log")).ToContainTextAsync("回复 订阅+编号");
    }

    [Fact]
    public async Task AnAdminShowsTheNumberWithAReason_AViewerCannotOpenTheSupportPages()
    {
        var number = "+8613766661" + Random.Shared.Next(100, 999);
        await new TwilioSmsLike(app).TalkAsync(number);

        await using var admin = await SignedInAsync(app, "chen.admin", "zh-CN");
        var page = await admin.OpenPageAsync("/support");
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^居民 \\d+$") }).Last.ClickAsync();
        var path = new Uri(page.Url).AbsolutePath;
        Assert.DoesNotContain(number, await page.ContentAsync());
        await admin.CheckPageAsync(path);
        await page.GetByRole(AriaRole.Button, new() { Name = "显示号码", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("[role=alert]")).ToContainTextAsync("请说明需要完整号码的原因");
        await page.GetByLabel("原因", new() { Exact = true }).FillAsync("转交急救部门");
        await page.GetByRole(AriaRole.Button, new() { Name = "显示号码", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("p.lead")).ToContainTextAsync(number);

        await using var viewer = await SignedInAsync(app, "zhao.viewer");
        var refused = await viewer.OpenPageAsync(path);
        Assert.DoesNotContain(number[3..], await refused.ContentAsync());
        await viewer.CheckPageAsync("/support", expectedStatus: 403);
    }

    /// <summary>A resident asking to talk through the simulator's API (a staff sign-in is not needed for the test's own token).</summary>
    private sealed class TwilioSmsLike(BrowserApp app)
    {
        public async Task TalkAsync(string phone)
        {
            var response = await app.AdminClient().PostAsync("/api/simulator/inbound",
                new StringContent($$"""{"from":"{{phone}}","body":"TALK"}""", System.Text.Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
        }
    }
}
