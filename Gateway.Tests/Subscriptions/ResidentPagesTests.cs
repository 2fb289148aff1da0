using System.Net;
using System.Net.Http.Json;
using Dapper;
using Gateway.Phones;
using Gateway.Tests.Support;

namespace Gateway.Tests.Subscriptions;

/// <summary>
/// The residents pages: found by number in any spelling (by a POST: the number stays out of addresses), shown with their
/// topics, courses, consent ledger and conversation; numbers masked, in full only after "Show number" (not for viewers),
/// which the audit log records; a district office finds only its own residents.
/// </summary>
public sealed class ResidentPagesTests(ResidentPagesTests.App app) : IClassFixture<ResidentPagesTests.App>
{
    public sealed class App : GatewayApp;

    private static int _numbers;

    private async Task<(string Phone, long Id)> ResidentAsync(string region = "hanyang")
    {
        var national = $"139{Interlocked.Increment(ref _numbers) + 50_000_000:D8}";
        var phone = "+86" + national;
        foreach (var body in new[] { "JOIN 2", "where is the test site?" })
            Assert.True((await app.AdminClient().PostAsJsonAsync("/api/simulator/inbound", new { from = phone, body })).IsSuccessStatusCode);
        await using var conn = await app.OpenDatabaseAsync();
        var id = await conn.ExecuteScalarAsync<long>("UPDATE subscribers SET region = @region WHERE phone = @phone RETURNING id", new { region, phone });
        return (phone, id);
    }

    public static TheoryData<string> Spellings => new() { "{0}", "+86 {1} {2} {3}", "+86-{1}-{2}-{3}", "0086{0}", "({1}) {2}-{3}", "＋８６{0}" };

    [Theory, MemberData(nameof(Spellings))]
    public async Task AResident_IsFound_ByTheirNumberInAnySpelling(string spelling)
    {
        var (phone, id) = await ResidentAsync();
        var name = $"finder-{Guid.NewGuid():N}"[..20];
        await StaffFixtures.AddAsync(app, name, ["viewer"]);
        var national = phone[3..];
        // Full-width digits, as Chinese input methods type them.
        var written = spelling.StartsWith('＋') ? "＋８６" + string.Concat(national.Select(c => (char)(c - '0' + '０')))
            : string.Format(spelling, national, national[..3], national[3..7], national[7..]);
        var session = await ConsoleSession.SignInAsync(app, name, StaffFixtures.Password);

        var found = await session.PostFormAsync("/residents", new() { ["Phone"] = written });

        Assert.Equal(HttpStatusCode.Redirect, found.StatusCode);
        Assert.Equal($"/residents/{id}", found.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AViewer_SeesTheResidentMasked_WithTheirConversation_AndCannotShowTheNumber()
    {
        var (phone, id) = await ResidentAsync();
        await StaffFixtures.AddAsync(app, "resident-viewer", ["viewer"]);
        var viewer = await ConsoleSession.SignInAsync(app, "resident-viewer", StaffFixtures.Password);

        var page = WebUtility.HtmlDecode(await viewer.Client.GetStringAsync($"/residents/{id}"));

        Assert.Contains(Phone.Mask(phone), page);
        Assert.DoesNotContain(phone, page);
        Assert.DoesNotContain("Show number", page);
        Assert.Contains("where is the test site?", page);
        Assert.Contains("Not understood", page);
        Assert.Contains("Opted in", page);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostFormAsync($"/residents/{id}?handler=ShowNumber", new())).StatusCode);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'resident.number_shown' AND target = @t", new { t = $"resident {id}" }));
    }

    [Fact]
    public async Task ShowNumber_ShowsItInFull_AndIsAudited()
    {
        var (phone, id) = await ResidentAsync();
        await StaffFixtures.AddAsync(app, "resident-editor", ["editor"]);
        var editor = await ConsoleSession.SignInAsync(app, "resident-editor", StaffFixtures.Password);
        Assert.DoesNotContain(phone, WebUtility.HtmlDecode(await editor.Client.GetStringAsync($"/residents/{id}")));

        var shown = await editor.PostFormAsync($"/residents/{id}?handler=ShowNumber", new(), pagePath: $"/residents/{id}");

        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains(phone, WebUtility.HtmlDecode(await shown.Content.ReadAsStringAsync()));
        Assert.Equal([("resident-editor", "console", Phone.Mask(phone))], await app.QueryAsync<(string, string, string)>(
            "SELECT actor, via, detail FROM audit_events WHERE action = 'resident.number_shown' AND target = @t", new { t = $"resident {id}" }));
        Assert.DoesNotContain(phone, WebUtility.HtmlDecode(await editor.Client.GetStringAsync($"/residents/{id}")));
    }

    [Fact]
    public async Task ADistrictOffice_FindsOnlyItsResidents()
    {
        var (phone, id) = await ResidentAsync("caidian");
        await StaffFixtures.AddAsync(app, "hanyang-office", ["editor"], ["hanyang"]);
        var office = await ConsoleSession.SignInAsync(app, "hanyang-office", StaffFixtures.Password);

        var search = await office.PostFormAsync("/residents", new() { ["Phone"] = phone });

        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Contains("No resident has the number", await search.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await office.Client.GetAsync($"/residents/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("12", "That is not a phone number we can read")]
    [InlineData("13912345670", "No resident has the number +86139****5670")]
    public async Task ANumberNotFound_IsSaid_WithTheNumberMasked(string written, string said)
    {
        await StaffFixtures.AddAsync(app, $"searcher-{written}", ["viewer"]);
        var session = await ConsoleSession.SignInAsync(app, $"searcher-{written}", StaffFixtures.Password);

        var answer = await session.PostFormAsync("/residents", new() { ["Phone"] = written });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains(said, WebUtility.HtmlDecode(await answer.Content.ReadAsStringAsync()));
    }
}
