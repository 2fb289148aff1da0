using System.Net;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>
/// SMS_MONTHLY_BUDGET in the console: compose shows the month's figures; on the approvals page a broadcast over what
/// remains is marked, an approver gets no Approve button and the server refuses the form anyway, and an admin approves
/// it only by ticking the override, which is audited. (Its own database: the figures depend on everything approved.)
/// </summary>
public sealed class BudgetPagesTests(BudgetPagesTests.App app) : IClassFixture<BudgetPagesTests.App>
{
    public sealed class App : BroadcastApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["SMS_MONTHLY_BUDGET"] = "1.00";
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await StaffFixtures.AddAsync(this, "budget-editor", ["editor"]);
            await StaffFixtures.AddAsync(this, "budget-approver", ["approver"]);
            await StaffFixtures.AddAsync(this, "budget-admin", ["admin"]);
        }
    }

    private static string Html(string page) => WebUtility.HtmlDecode(page);

    /// <summary>The approvals page's section about one broadcast.</summary>
    private static string Section(string page, long id)
    {
        var start = page.IndexOf($"aria-labelledby=\"b-{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"broadcast {id} is not on the approvals page");
        return page[start..page.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    [Fact]
    public async Task OverTheBudget_OnlyAnAdminApprovesOnThePage_ByTickingTheOverride_Audited()
    {
        var region = Broadcasting.NewRegion();
        await Broadcasting.SeedAsync(app, region, Enumerable.Range(0, 30).Select(_ => new Resident(Broadcasting.NewPhone())).ToArray());
        // 30 residents at 0.05: 1.50 of a 1.00 budget.
        var id = await Broadcasting.CreateAsync(app, new { title = "Too dear", content = new { zh = "请戴口罩。" }, audience = new { regions = new[] { region } } });

        var editor = await ConsoleSession.SignInAsync(app, "budget-editor", StaffFixtures.Password);
        var compose = Html(await editor.Client.GetStringAsync("/broadcasts/new"));
        Assert.Contains("Monthly SMS budget", compose);
        Assert.Contains("budget 1.00; spent or queued 0.00; approved and not yet sent 0.00; remaining 1.00.", compose);

        var approver = await ConsoleSession.SignInAsync(app, "budget-approver", StaffFixtures.Password);
        var approvals = Html(await approver.Client.GetStringAsync("/approvals"));
        Assert.Contains("This broadcast: about 1.50 (1 sendings this month), leaving -0.50.", approvals);
        Assert.Contains("Only an admin can approve it.", approvals);
        Assert.DoesNotContain(">Approve</button>", Section(approvals, id));
        var refused = await approver.PostFormAsync($"/approvals?handler=Approve&id={id}", new() { ["overBudget"] = "true" }, pagePath: "/approvals");
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("only an admin can approve it", Html(await refused.Content.ReadAsStringAsync()));

        var admin = await ConsoleSession.SignInAsync(app, "budget-admin", StaffFixtures.Password);
        var adminPage = Section(Html(await admin.Client.GetStringAsync("/approvals")), id);
        Assert.Contains("I approve it over the monthly budget", adminPage);
        Assert.Contains(">Approve</button>", adminPage);
        var unticked = await admin.PostFormAsync($"/approvals?handler=Approve&id={id}", new(), pagePath: "/approvals");
        Assert.Contains("To approve it anyway, tick the override.", Html(await unticked.Content.ReadAsStringAsync()));
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());

        var approved = await admin.PostFormAsync($"/approvals?handler=Approve&id={id}", new() { ["overBudget"] = "true" }, pagePath: "/approvals");
        Assert.Equal(HttpStatusCode.Redirect, approved.StatusCode);
        Assert.Equal("approved", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
        Assert.Equal(["broadcast.approved", "broadcast.approved_over_budget"], await app.QueryAsync<string>(
            "SELECT action FROM audit_events WHERE target = @Target AND actor = 'budget-admin' AND action LIKE 'broadcast.approved%' ORDER BY id", new { Target = $"broadcast {id}" }));
    }
}
