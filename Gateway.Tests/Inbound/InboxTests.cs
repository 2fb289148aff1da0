using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Gateway.Phones;
using Gateway.Tests.Support;

namespace Gateway.Tests.Inbound;

/// <summary>
/// The inbox of messages the gateway did not understand: POST /api/inbox/{id}/handled and the console's "Mark handled"
/// take a message off it (audited, once); viewers only look, and see numbers masked; a district office sees its own residents.
/// </summary>
public sealed class InboxTests(InboxTests.App app) : IClassFixture<InboxTests.App>
{
    public sealed class App : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings) =>
            settings["API_TOKENS"] = "lin:editor:editor-token-0123456789,zhao:viewer:viewer-token-0123456789";
    }

    private static int _numbers;

    /// <summary>A resident of <paramref name="region"/> texts something the gateway does not understand; returns the number and the message's id.</summary>
    private async Task<(string Phone, long Id)> UnclearMessageAsync(string region)
    {
        var phone = $"+86137{Interlocked.Increment(ref _numbers) + 40_000_000:D8}";
        var body = $"what about the clinic {Guid.NewGuid():N}";
        var response = await app.AdminClient().PostAsJsonAsync("/api/simulator/inbound", new { from = phone, body });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await using var conn = await app.OpenDatabaseAsync();
        await conn.ExecuteAsync("UPDATE subscribers SET region = @region WHERE phone = @phone", new { region, phone });
        return (phone, await conn.ExecuteScalarAsync<long>("SELECT id FROM inbound_messages WHERE from_phone = @phone AND intent = 'unknown'", new { phone }));
    }

    private async Task<IReadOnlyList<long>> UnhandledAsync(string token = GatewayApp.AdminToken) =>
        JsonDocument.Parse(await app.AdminClient(token).GetStringAsync("/api/inbox?unhandled=true&limit=500")).RootElement
            .GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).ToList();

    [Fact]
    public async Task MarkHandled_TakesTheMessageOffTheInbox_OnceAndAudited()
    {
        var (_, id) = await UnclearMessageAsync("hanyang");
        Assert.Contains(id, await UnhandledAsync());

        var first = await app.AdminClient("editor-token-0123456789").PostAsync($"/api/inbox/{id}/handled", null);
        var again = await app.AdminClient().PostAsync($"/api/inbox/{id}/handled", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((id, "lin"), (answer.GetProperty("id").GetInt64(), answer.GetProperty("markedHandledBy").GetString()));
        Assert.DoesNotContain(id, await UnhandledAsync());
        Assert.Equal([("lin", "inbox.marked_handled")], await app.QueryAsync<(string, string)>(
            "SELECT actor, action FROM audit_events WHERE target = @t", new { t = $"message {id}" }));
    }

    [Fact]
    public async Task AViewer_CannotMark_AndAnUnknownMessageIs404()
    {
        var (_, id) = await UnclearMessageAsync("hanyang");

        Assert.Equal(HttpStatusCode.Forbidden, (await app.AdminClient("viewer-token-0123456789").PostAsync($"/api/inbox/{id}/handled", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminClient().PostAsync("/api/inbox/987654321/handled", null)).StatusCode);
        Assert.Contains(id, await UnhandledAsync());
    }

    [Fact]
    public async Task TheInboxPage_MasksNumbers_ForViewersOffersNoButton_AndOthersMarkWithTheForm()
    {
        var (phone, id) = await UnclearMessageAsync("hanyang");
        await StaffFixtures.AddAsync(app, "inbox-viewer", ["viewer"]);
        await StaffFixtures.AddAsync(app, "inbox-counsellor", ["counsellor"]);

        var viewer = await ConsoleSession.SignInAsync(app, "inbox-viewer", StaffFixtures.Password);
        var seen = WebUtility.HtmlDecode(await viewer.Client.GetStringAsync("/inbox"));
        Assert.Contains(Phone.Mask(phone), seen);
        Assert.DoesNotContain(phone, seen);
        Assert.DoesNotContain("Mark handled", seen);

        var counsellor = await ConsoleSession.SignInAsync(app, "inbox-counsellor", StaffFixtures.Password);
        Assert.Contains("Mark handled", await counsellor.Client.GetStringAsync("/inbox"));
        var marked = await counsellor.PostFormAsync($"/inbox?handler=MarkHandled&id={id}", new(), pagePath: "/inbox");
        Assert.Equal(HttpStatusCode.Redirect, marked.StatusCode);
        Assert.DoesNotContain(Phone.Mask(phone), WebUtility.HtmlDecode(await counsellor.Client.GetStringAsync("/inbox")));
        Assert.Equal(HttpStatusCode.BadRequest, (await counsellor.PostFormAsync($"/inbox?handler=MarkHandled&id={id}", new(), withToken: false)).StatusCode);
    }

    [Fact]
    public async Task ADistrictOffice_SeesAndMarks_OnlyItsResidentsMessages()
    {
        var (_, ours) = await UnclearMessageAsync("qiaokou");
        var (theirPhone, theirs) = await UnclearMessageAsync("caidian");
        await StaffFixtures.AddAsync(app, "qiaokou-office", ["editor"], ["qiaokou"]);
        var office = await ConsoleSession.SignInAsync(app, "qiaokou-office", StaffFixtures.Password);

        var listed = JsonDocument.Parse(await office.Client.GetStringAsync("/api/inbox?unhandled=true&limit=500")).RootElement
            .GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()).ToList();

        Assert.Contains(ours, listed);
        Assert.DoesNotContain(theirs, listed);
        Assert.DoesNotContain(Phone.Mask(theirPhone), WebUtility.HtmlDecode(await office.Client.GetStringAsync("/inbox")));
        Assert.Equal(HttpStatusCode.NotFound, (await office.Client.PostAsync($"/api/inbox/{theirs}/handled", null)).StatusCode);
    }
}
