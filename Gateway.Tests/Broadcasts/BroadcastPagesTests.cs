using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// The broadcast pages over HTTP, as a browser without script uses them: the compose form's counters and preview give the
/// figures POST /api/broadcasts/preview gives (the same code), problems are summarised with a link to their field,
/// submitting stores what the form said; approvals, rejection with a reason the creator reads, and cancel behind a confirmation.
/// </summary>
public sealed class BroadcastPagesTests(BroadcastPagesTests.App app) : IClassFixture<BroadcastPagesTests.App>
{
    public sealed class App : BroadcastApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "page-editor", ["editor"]);
            await StaffFixtures.AddAsync(this, "page-approver", ["approver"]);
            await StaffFixtures.AddAsync(this, "page-both", ["editor", "approver"]);
        }
    }

    private static string Html(string page) => WebUtility.HtmlDecode(page);

    private static Dictionary<string, string> Form(string region, string zh, string? title = "Clinic hours") => new()
    {
        ["Title"] = title ?? "",
        ["Zh"] = zh,
        ["En"] = "The fever clinic is open until 8pm.",
        ["Topics"] = "notices",
        ["Regions"] = region,
        ["When"] = "now",
    };

    private async Task<JsonElement> ApiPreviewAsync(string region, string zh)
    {
        var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts/preview", new
        {
            title = "x",
            content = new { zh, en = "The fever clinic is open until 8pm." },
            audience = new { topics = new[] { "notices" }, regions = new[] { region } },
        });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task TheLiveCounters_GoFrom1To2Segments_After70ChineseCharacters_AsTheApiCountsThem()
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone(), "en"));
        var editor = await ConsoleSession.SignInAsync(app, "page-editor", StaffFixtures.Password);

        foreach (var (length, segments) in new[] { (70, "1 segment"), (71, "2 segments") })
        {
            var zh = new string('疫', length);
            var live = await editor.PostFormAsync("/broadcasts/new?handler=Live", Form(region, zh, title: null), pagePath: "/broadcasts/new");
            var fragment = Html(await live.Content.ReadAsStringAsync());
            var api = await ApiPreviewAsync(region, zh);
            var apiZh = api.GetProperty("languages").EnumerateArray().Single(l => l.GetProperty("language").GetString() == "zh");

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.DoesNotContain("<html", fragment);
            Assert.Contains($"{length} characters · UCS-2 · {segments} · {apiZh.GetProperty("costPerMessage").GetDecimal():0.00} per message", fragment);
            Assert.Equal(length == 70 ? 1 : 2, apiZh.GetProperty("segments").GetInt32());
            Assert.Contains($"{api.GetProperty("recipients").GetInt64()} recipients, total cost {api.GetProperty("estimatedCost").GetDecimal():0.00}", fragment);
        }
    }

    [Fact]
    public async Task WithoutScript_PreviewShowsTheFigures_AndTheWarningsInPlainWords()
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()), new Resident(Broadcasting.NewPhone(), "en"));
        var editor = await ConsoleSession.SignInAsync(app, "page-editor", StaffFixtures.Password);
        var form = Form(region, "今晚九点半停水，请提前储水。");
        // Smart Encoding would turn “ ” and – into plain characters, but the emoji keeps the message UCS-2 anyway, and them with it.
        form["En"] = "Water is off at 21:30 tonight – store some “now” ☺";
        form["When"] = "at";
        form["SendAt"] = "2026-03-02T21:30";

        var page = Html(await (await editor.PostFormAsync("/broadcasts/new?handler=Preview", form, pagePath: "/broadcasts/new")).Content.ReadAsStringAsync());

        Assert.Contains("2 recipients", page);
        Assert.Contains("Sent at 2026-03-03 08:00: it falls in quiet hours, so it waits until they end.", page);
        Assert.Contains("The English text is forced into UCS-2 by –, “, ” and ☺", page);
        Assert.Contains("<mark>“</mark>", page);
        Assert.Contains("<mark>☺</mark>", page);
    }

    [Fact]
    public async Task TheTemplatePicker_FillsBothTexts_AndADailySchedule_ShowsItsNextThreeSendings()
    {
        var editor = await ConsoleSession.SignInAsync(app, "page-editor", StaffFixtures.Password);
        var picked = Html(await editor.Client.GetStringAsync("/broadcasts/new?template=fever-clinic"));
        Assert.Contains(">发热就医提醒：出现发热、咳嗽、乏力等症状，", picked);
        Assert.Contains(">Fever notice: if you have fever, cough or tiredness,", picked);
        Assert.Contains("<option value=\"fever-clinic\" selected=\"selected\">", picked);

        var form = Form(Broadcasting.NewRegion(), "每天上午十点，社区门诊开放。");
        form["When"] = "daily";
        form["Time"] = "10:00";
        var page = Html(await (await editor.PostFormAsync("/broadcasts/new?handler=Preview", form, pagePath: "/broadcasts/new")).Content.ReadAsStringAsync());
        var today = TimeZoneInfo.ConvertTime(app.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var first = today.Hour < 10 ? today.Date : today.Date.AddDays(1);
        Assert.Contains($"Next three sendings: {string.Join("; ", Enumerable.Range(0, 3).Select(d => first.AddDays(d).ToString("yyyy-MM-dd 10:00")))}.", page);
    }

    [Fact]
    public async Task AProblem_IsSummarised_WithALinkToItsField_AndNothingIsStored()
    {
        var editor = await ConsoleSession.SignInAsync(app, "page-editor", StaffFixtures.Password);
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts");

        foreach (var (change, field, said) in new (Action<Dictionary<string, string>>, string, string)[]
                 {
                     (f => f["Title"] = "", "title", "Give the broadcast a title."),
                     (f => { f["Zh"] = ""; f["En"] = ""; }, "zh", "Write the notice in Chinese, English or both."),
                     (f => f["When"] = "weekly", "time", "Choose the time of day, as hh:mm."),
                     (f => { f["When"] = "cron"; f["Repeat"] = "*/5 * * * *"; }, "repeat", "*/5 * * * * is more often than once an hour."),
                 })
        {
            var form = Form(Broadcasting.NewRegion(), "请戴口罩。");
            change(form);
            var response = await editor.PostFormAsync("/broadcasts/new?handler=Submit", form, pagePath: "/broadcasts/new");
            var page = Html(await response.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains($"<a href=\"#{field}\">{said}</a>", page);
        }
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts"));
    }

    [Fact]
    public async Task Submitting_StoresWhatTheFormSaid_PendingApproval_AndAudited()
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()));
        var editor = await ConsoleSession.SignInAsync(app, "page-editor", StaffFixtures.Password);
        var form = Form(region, "每周一三五早上八点，社区门诊开放。");
        form["When"] = "weekly";
        form["Time"] = "08:00";
        var fields = form.Select(f => KeyValuePair.Create(f.Key, f.Value)).Concat([new("Days", "5"), new("Days", "1"), new("Days", "3"), new("Urgent", "true")]);

        var response = await editor.PostFormAsync("/broadcasts/new?handler=Submit", fields, pagePath: "/broadcasts/new");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var id = long.Parse(response.Headers.Location!.OriginalString.Split('/', '?')[2]);
        var stored = await Broadcasting.GetAsync(app, id);
        Assert.Equal(("pending_approval", "page-editor", "0 8 * * 1,3,5", true), (stored.GetProperty("status").GetString(),
            stored.GetProperty("createdBy").GetString(), stored.GetProperty("repeat").GetString(), stored.GetProperty("urgent").GetBoolean()));
        Assert.Equal([region], stored.GetProperty("audience").GetProperty("regions").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("The fever clinic is open until 8pm.", stored.GetProperty("content").GetProperty("en").GetString());
        var page = Html(await editor.Client.GetStringAsync(response.Headers.Location.OriginalString));
        Assert.Contains("Submitted for approval.", page);
        Assert.Contains("Waiting for approval", page);
        Assert.Equal(1, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'broadcast.created' AND target = @t AND via = 'console'",
            new { t = $"broadcast {id}" }));
    }

    [Fact]
    public async Task TheCreator_SeesNoApproveOnTheirOwn_ARejectionNeedsAReason_AndTheCreatorReadsIt()
    {
        var both = await ConsoleSession.SignInAsync(app, "page-both", StaffFixtures.Password);
        var created = await both.PostFormAsync("/broadcasts/new?handler=Submit", Form(Broadcasting.NewRegion(), "请勿聚集。", "Own notice"), pagePath: "/broadcasts/new");
        var id = long.Parse(created.Headers.Location!.OriginalString.Split('/', '?')[2]);

        var own = Html(await both.Client.GetStringAsync("/approvals"));
        var section = own[own.IndexOf($"id=\"b-{id}\"", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Contains("You created this broadcast", section);
        Assert.DoesNotContain(">Approve<", section);
        Assert.DoesNotContain(">Reject<", section);
        var sneaked = await both.PostFormAsync($"/approvals?handler=Approve&id={id}", new(), pagePath: "/approvals");
        Assert.Contains("You created this broadcast; another person must decide on it.", Html(await sneaked.Content.ReadAsStringAsync()));

        var approver = await ConsoleSession.SignInAsync(app, "page-approver", StaffFixtures.Password);
        var theirs = Html(await approver.Client.GetStringAsync("/approvals"));
        Assert.Contains("请勿聚集。", theirs);
        var noReason = await approver.PostFormAsync($"/approvals?handler=Reject&id={id}", new() { ["reason"] = " " }, pagePath: "/approvals");
        Assert.Contains("Say why you reject it", Html(await noReason.Content.ReadAsStringAsync()));
        var rejected = await approver.PostFormAsync($"/approvals?handler=Reject&id={id}", new() { ["reason"] = "Name the districts where gatherings are banned." }, pagePath: "/approvals");
        Assert.Equal(HttpStatusCode.Redirect, rejected.StatusCode);

        var seenByCreator = Html(await both.Client.GetStringAsync($"/broadcasts/{id}"));
        Assert.Contains("Rejected", seenByCreator);
        Assert.Contains("By page-approver at 2026-03-02 09:00. The reason:", seenByCreator);
        Assert.Contains("Name the districts where gatherings are banned.", seenByCreator);
    }

    [Fact]
    public async Task CancelBroadcast_AsksToConfirm_ThenCancels()
    {
        var id = await Broadcasting.CreateAsync(app, new { title = "To cancel", content = new { zh = "测试。" }, audience = new { regions = new[] { Broadcasting.NewRegion() } } });
        var editor = await ConsoleSession.SignInAsync(app, "page-editor", StaffFixtures.Password);

        var page = Html(await editor.Client.GetStringAsync($"/broadcasts/{id}"));
        Assert.Contains("Cancel broadcast", page);
        Assert.DoesNotContain("Cancel this broadcast?", page);
        var confirming = Html(await editor.Client.GetStringAsync($"/broadcasts/{id}?confirm=cancel"));
        Assert.Contains("Cancel this broadcast?", confirming);
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());

        var canceled = await editor.PostFormAsync($"/broadcasts/{id}?handler=Cancel", new(), pagePath: $"/broadcasts/{id}?confirm=cancel");

        Assert.Equal(HttpStatusCode.Redirect, canceled.StatusCode);
        Assert.Equal("canceled", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
        Assert.Contains("The broadcast is canceled.", Html(await editor.Client.GetStringAsync(canceled.Headers.Location!.OriginalString)));
    }

    [Fact]
    public async Task AViewer_SeesTheBroadcastsButNeitherComposeNorApprovalsNorCancel()
    {
        var id = await Broadcasting.CreateAsync(app, new { title = "Seen", content = new { zh = "测试。" }, audience = new { regions = new[] { Broadcasting.NewRegion() } } });
        await StaffFixtures.AddAsync(app, "page-viewer", ["viewer"]);
        var viewer = await ConsoleSession.SignInAsync(app, "page-viewer", StaffFixtures.Password);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Client.GetAsync("/broadcasts/new")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Client.GetAsync("/approvals")).StatusCode);
        var list = Html(await viewer.Client.GetStringAsync("/broadcasts?status=pending_approval"));
        Assert.Contains($"<a href=\"/broadcasts/{id}\">Seen</a>", list);
        Assert.DoesNotContain("New broadcast", list);
        Assert.DoesNotContain("Cancel broadcast", Html(await viewer.Client.GetStringAsync($"/broadcasts/{id}")));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostFormAsync($"/broadcasts/{id}?handler=Cancel", new(), pagePath: $"/broadcasts/{id}")).StatusCode);
    }

    [Fact]
    public async Task TheList_FiltersByStatus_AndPages25AtATime_NewestFirst()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, new Resident(Broadcasting.NewPhone()));
        var ids = new List<long>();
        for (var i = 0; i < 27; i++)
            ids.Add(await Broadcasting.CreateAsync(app, new { title = $"Paged {marker} {i}", content = new { zh = "测试。" }, audience = new { regions = new[] { region } } }));
        // Approved, not pending: the other tests here find theirs among the 20 oldest on /approvals.
        foreach (var id in ids)
            await Broadcasting.ApproveAsync(app, id);
        Assert.Equal(HttpStatusCode.OK, (await app.AdminClient(BroadcastApp.EditorToken).PostAsync($"/api/broadcasts/{ids[26]}/cancel", null)).StatusCode);
        await StaffFixtures.AddAsync(app, $"pager-{marker}", ["viewer"]);
        var viewer = await ConsoleSession.SignInAsync(app, $"pager-{marker}", StaffFixtures.Password);
        static List<string> Titles(string page) => Regex.Matches(page, "<a href=\"/broadcasts/\\d+\">([^<]*)</a>").Select(m => m.Groups[1].Value).ToList();

        var first = Html(await viewer.Client.GetStringAsync("/broadcasts?status=approved"));
        Assert.Equal(Enumerable.Range(1, 25).Reverse().Select(i => $"Paged {marker} {i}"), Titles(first));
        Assert.Contains($"<a href=\"/broadcasts?status=approved&before={ids[1]}\">Older</a>", first);
        var older = Html(await viewer.Client.GetStringAsync($"/broadcasts?status=approved&before={ids[1]}"));
        Assert.Equal($"Paged {marker} 0", Titles(older)[0]);
        Assert.Contains("<a href=\"/broadcasts?status=approved\">Newest</a>", older);
        var canceled = Titles(Html(await viewer.Client.GetStringAsync("/broadcasts?status=canceled")));
        Assert.Contains($"Paged {marker} 26", canceled);
        Assert.DoesNotContain($"Paged {marker} 25", canceled);
    }
}
