using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>POST /api/broadcasts/{id}/reject: a second person says no, with a reason its creator reads and the audit log keeps.</summary>
public sealed class RejectionTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private static object Notice(string title = "Mask reminder") => new
    {
        title,
        content = new { zh = "请戴口罩。", en = "Please wear a mask." },
        audience = new { topics = new[] { "notices" }, regions = new[] { Broadcasting.NewRegion() } },
    };

    private async Task<HttpResponseMessage> RejectAsync(long id, string? json, string token = BroadcastApp.ApproverToken) =>
        await app.AdminClient(token).PostAsync($"/api/broadcasts/{id}/reject", json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Reject_Returns200Rejected_AndTheCreatorReadsTheReason_AndTheAuditLogKeepsIt()
    {
        var id = await Broadcasting.CreateAsync(app, Notice("Rejected notice"));

        var response = await RejectAsync(id, """{"reason": "Say which clinics, and their hours."}""");

        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("rejected", body.GetProperty("status").GetString());
        var stored = await Broadcasting.GetAsync(app, id, BroadcastApp.EditorToken);
        Assert.Equal(("rejected", "wang", "Say which clinics, and their hours."),
            (stored.GetProperty("status").GetString(), stored.GetProperty("rejectedBy").GetString(), stored.GetProperty("rejectionReason").GetString()));
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("approvedBy").ValueKind);
        var audited = await app.QueryAsync<(string Actor, string Action, string Detail)>(
            "SELECT actor, action, detail FROM audit_events WHERE target = @Target ORDER BY id", new { Target = $"broadcast {id}" });
        Assert.Equal([("lin", "broadcast.created", "Rejected notice"), ("wang", "broadcast.rejected", "Say which clinics, and their hours.")], audited);
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcast_occurrences WHERE broadcast_id = @id", new { id }));
    }

    public sealed record Refusal(string Label, string? Json, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Refusal> BadReasons => new()
    {
        new("no body", null, HttpStatusCode.UnprocessableEntity, "reason: required"),
        new("no reason", "{}", HttpStatusCode.UnprocessableEntity, "reason: required"),
        new("a blank reason", """{"reason": "   "}""", HttpStatusCode.UnprocessableEntity, "reason: required"),
        new("a reason over 500 characters", $$"""{"reason": "{{new string('x', 501)}}"}""", HttpStatusCode.UnprocessableEntity, "reason: 501 characters; at most 500"),
        new("a misspelt field", """{"reasons": "no"}""", HttpStatusCode.BadRequest, "reasons"),
    };

    [Theory, MemberData(nameof(BadReasons))]
    public async Task ABadReason_IsRefused_AndTheBroadcastStaysPending(Refusal c)
    {
        var id = await Broadcasting.CreateAsync(app, Notice());

        var response = await RejectAsync(id, c.Json);

        Assert.Equal(c.Status, response.StatusCode);
        Assert.Contains(c.Detail, await response.Content.ReadAsStringAsync());
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OnlyAPendingBroadcast_CanBeRejected_409Otherwise()
    {
        var approved = await Broadcasting.CreateAsync(app, Notice());
        await Broadcasting.ApproveAsync(app, approved);
        var rejected = await Broadcasting.CreateAsync(app, Notice());
        Assert.Equal(HttpStatusCode.OK, (await RejectAsync(rejected, """{"reason": "No."}""")).StatusCode);

        foreach (var id in new[] { approved, rejected })
        {
            var response = await RejectAsync(id, """{"reason": "Too late."}""");
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("only a broadcast pending approval can be rejected", await response.Content.ReadAsStringAsync());
        }
        // A rejected broadcast is never approved after all.
        var approve = await app.AdminClient(BroadcastApp.ApproverToken).PostAsync($"/api/broadcasts/{rejected}/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
    }

    [Fact]
    public async Task TheCreator_CannotRejectTheirOwn_AndOtherRolesCannotReject()
    {
        var id = await Broadcasting.CreateAsync(app, Notice());

        foreach (var (token, status) in new[] { (BroadcastApp.EditorToken, HttpStatusCode.Forbidden), (BroadcastApp.ViewerToken, HttpStatusCode.Forbidden),
                     (BroadcastApp.CounsellorToken, HttpStatusCode.Forbidden) })
            Assert.Equal(status, (await RejectAsync(id, """{"reason": "no"}""", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await RejectAsync(999_999, """{"reason": "no"}""")).StatusCode);
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheCreator_SignedInAsAnApproverUnderAnotherSpelling_IsRefused()
    {
        var id = await Broadcasting.CreateAsync(app, Notice());
        await StaffFixtures.AddAsync(app, "LIN", ["approver"]);
        var session = await ConsoleSession.SignInAsync(app, "LIN", StaffFixtures.Password);

        var response = await session.Client.PostAsJsonAsync($"/api/broadcasts/{id}/reject", new { reason = "my own" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("the same person (names ignore case)", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CreateApproveAndCancel_AreAudited_WithTheirActor()
    {
        var id = await Broadcasting.CreateAsync(app, Notice("Audited notice"));
        await Broadcasting.ApproveAsync(app, id);
        Assert.Equal(HttpStatusCode.OK, (await app.AdminClient(BroadcastApp.SecondEditorToken).PostAsync($"/api/broadcasts/{id}/cancel", null)).StatusCode);

        var audited = await app.QueryAsync<(string Actor, string Via, string Action)>(
            "SELECT actor, via, action FROM audit_events WHERE target = @Target ORDER BY id", new { Target = $"broadcast {id}" });
        Assert.Equal([("lin", "token", "broadcast.created"), ("wang", "token", "broadcast.approved"), ("li", "token", "broadcast.canceled")], audited);
    }
}
