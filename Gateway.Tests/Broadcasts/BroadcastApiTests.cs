using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Broadcasts;

/// <summary>The broadcast API's answers to bad requests, wrong roles and wrong state transitions, over HTTP.</summary>
public sealed class BroadcastApiTests(BroadcastApp app) : IClassFixture<BroadcastApp>
{
    private static object Valid(string? region = null) => new
    {
        title = "Mask reminder",
        content = new { zh = "请戴口罩。", en = "Please wear a mask." },
        audience = new { topics = new[] { "notices" }, regions = new[] { region ?? Broadcasting.NewRegion() } },
    };

    public sealed record Case(string Label, string Json, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    private const string Content = "\"content\": {\"zh\": \"请戴口罩。\", \"en\": \"Wear a mask.\"}";
    private const string Audience = "\"audience\": {}";

    public static TheoryData<Case> BadRequests => new()
    {
        new("malformed JSON", "{\"title\": ", HttpStatusCode.BadRequest, "malformed JSON"),
        new("title of the wrong type", $"{{\"title\": 5, {Content}, {Audience}}}", HttpStatusCode.BadRequest, "title"),
        new("urgent of the wrong type", $"{{\"title\": \"t\", {Content}, {Audience}, \"urgent\": \"yes\"}}", HttpStatusCode.BadRequest, "urgent"),
        new("a misspelt field is refused, never ignored", $"{{\"title\": \"t\", {Content}, {Audience}, \"send_at\": \"2026-03-03T08:00\"}}", HttpStatusCode.BadRequest, "send_at"),
        new("no title", $"{{{Content}, {Audience}}}", HttpStatusCode.UnprocessableEntity, "title: required"),
        new("no content and no template", $"{{\"title\": \"t\", {Audience}}}", HttpStatusCode.UnprocessableEntity, "content: required"),
        new("content and template", $"{{\"title\": \"t\", {Content}, \"template\": \"mask-reminder\", {Audience}}}", HttpStatusCode.UnprocessableEntity, "not both"),
        new("unknown template", "{\"title\": \"t\", \"template\": \"no-such-notice\"}", HttpStatusCode.UnprocessableEntity, "template: no notice 'no-such-notice'"),
        new("unknown topic", $"{{\"title\": \"t\", {Content}, \"audience\": {{\"topics\": [\"sports\"]}}}}", HttpStatusCode.UnprocessableEntity, "audience.topics: unknown topic 'sports'"),
        new("unknown audience language", $"{{\"title\": \"t\", {Content}, \"audience\": {{\"languages\": [\"fr\"]}}}}", HttpStatusCode.UnprocessableEntity, "audience.languages: unknown language 'fr'"),
        new("unknown content language", $"{{\"title\": \"t\", \"content\": {{\"fr\": \"Bonjour\"}}, {Audience}}}", HttpStatusCode.UnprocessableEntity, "content.fr: unknown language"),
        new("no audience", $"{{\"title\": \"t\", {Content}}}", HttpStatusCode.UnprocessableEntity, "audience: required"),
        new("en only: zh residents have no text and no zh (DEFAULT_LANGUAGE) fallback", $"{{\"title\": \"t\", \"content\": {{\"en\": \"Wear a mask.\"}}, {Audience}}}",
            HttpStatusCode.UnprocessableEntity, "content.zh: missing, and there is no zh text (DEFAULT_LANGUAGE) to fall back to"),
        new("empty text", $"{{\"title\": \"t\", \"content\": {{\"zh\": \" \"}}, {Audience}}}", HttpStatusCode.UnprocessableEntity, "content.zh: empty"),
        new("text over 8 segments", $"{{\"title\": \"t\", \"content\": {{\"zh\": \"{new string('字', 67 * 8 + 1)}\"}}, {Audience}}}", HttpStatusCode.UnprocessableEntity, "content.zh: 9 SMS segments"),
        new("text over 1,600 characters", $"{{\"title\": \"t\", \"content\": {{\"zh\": \"{new string('a', 1601)}\"}}, {Audience}}}", HttpStatusCode.UnprocessableEntity, "at most 1600"),
        new("sendAt in the past", $"{{\"title\": \"t\", {Content}, {Audience}, \"sendAt\": \"2026-03-02T08:00\"}}", HttpStatusCode.UnprocessableEntity, "sendAt: 2026-03-02T08:00 is in the past"),
        new("sendAt not a date", $"{{\"title\": \"t\", {Content}, {Audience}, \"sendAt\": \"tomorrow\"}}", HttpStatusCode.UnprocessableEntity, "sendAt: 'tomorrow' is not an ISO-8601"),
        new("invalid cron", $"{{\"title\": \"t\", {Content}, {Audience}, \"repeat\": \"0 25 * * *\"}}", HttpStatusCode.UnprocessableEntity, "repeat: '0 25 * * *' is not a valid cron"),
        new("cron with seconds", $"{{\"title\": \"t\", {Content}, {Audience}, \"repeat\": \"0 0 8 * * *\"}}", HttpStatusCode.UnprocessableEntity, "repeat: must be a cron expression of 5 fields"),
        new("cron more often than hourly", $"{{\"title\": \"t\", {Content}, {Audience}, \"repeat\": \"*/10 * * * *\"}}", HttpStatusCode.UnprocessableEntity, "more often than once an hour"),
        new("cron that never fires", $"{{\"title\": \"t\", {Content}, {Audience}, \"repeat\": \"0 8 30 2 *\"}}", HttpStatusCode.UnprocessableEntity, "never fires"),
    };

    [Theory, MemberData(nameof(BadRequests))]
    public async Task BadRequest_IsRefusedWithAReason_AndNothingIsStored(Case c)
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts");
        foreach (var path in new[] { "/api/broadcasts", "/api/broadcasts/preview" })
        {
            var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsync(path, new StringContent(c.Json, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == c.Status, $"{path}: {(int)response.StatusCode}: {text}");
            Assert.Contains(c.Detail, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
        }
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcasts"));
    }

    [Fact]
    public async Task ABadRequest_IsRefusedWithEveryBadField_AtOnce()
    {
        const string json = """
            {"title": "", "content": {"zh": " ", "en": "Wear a mask."}, "audience": {"topics": ["sports"], "languages": ["fr"]},
             "sendAt": "tomorrow", "repeat": "0 25 * * *"}
            """;
        foreach (var path in new[] { "/api/broadcasts", "/api/broadcasts/preview" })
        {
            var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{path}: {(int)response.StatusCode}: {text}");
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject()
                .ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(v => v.GetString()!).ToList());
            Assert.Equal(["audience.languages", "audience.topics", "content.zh", "repeat", "sendAt", "title"], errors.Keys.Order());
            Assert.Contains("title: required", errors["title"].Single());
            Assert.Contains("content.zh: empty", errors["content.zh"].Single());
            Assert.Contains("unknown topic 'sports'", errors["audience.topics"].Single());
            Assert.Contains("unknown language 'fr'", errors["audience.languages"].Single());
            Assert.Contains("'tomorrow' is not an ISO-8601", errors["sendAt"].Single());
            Assert.Contains("is not a valid cron", errors["repeat"].Single());
        }
    }

    [Fact]
    public async Task Create_Returns201_PendingApproval_WithItsAddress()
    {
        var response = await app.AdminClient(BroadcastApp.EditorToken).PostAsJsonAsync("/api/broadcasts", Valid());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal("pending_approval", body.GetProperty("status").GetString());
        Assert.Equal($"/api/broadcasts/{id}", response.Headers.Location?.OriginalString);
        var stored = await Broadcasting.GetAsync(app, id);
        Assert.Equal("lin", stored.GetProperty("createdBy").GetString());
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM broadcast_occurrences WHERE broadcast_id = @id", new { id }));
    }

    [Fact]
    public async Task Template_CopiesTheNoticeTexts_AndDefaultsToItsTopic()
    {
        var id = await Broadcasting.CreateAsync(app, new { title = "Masks", template = "mask-reminder" });

        var stored = await Broadcasting.GetAsync(app, id);
        Assert.Equal("mask-reminder", stored.GetProperty("template").GetString());
        Assert.StartsWith("防疫提醒", stored.GetProperty("content").GetProperty("zh").GetString());
        Assert.Equal(["notices"], stored.GetProperty("audience").GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task SendAt_WithoutOffset_IsCityTime_WithOffset_IsThatInstant()
    {
        var local = await Broadcasting.CreateAsync(app, new { title = "t", content = new { zh = "好" }, audience = new { }, sendAt = "2027-01-05T08:00" });
        var utc = await Broadcasting.CreateAsync(app, new { title = "t", content = new { zh = "好" }, audience = new { }, sendAt = "2027-01-05T08:00Z" });

        Assert.Equal(new DateTimeOffset(2027, 1, 5, 0, 0, 0, TimeSpan.Zero), (await Broadcasting.GetAsync(app, local)).GetProperty("sendAt").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2027, 1, 5, 8, 0, 0, TimeSpan.Zero), (await Broadcasting.GetAsync(app, utc)).GetProperty("sendAt").GetDateTimeOffset());
    }

    public sealed record RoleCase(string Label, string Token, string Action, HttpStatusCode Status)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<RoleCase> Roles => new()
    {
        new("no token: 401", "", "create", HttpStatusCode.Unauthorized),
        new("unknown token: 401", "not-a-known-token-at-all", "create", HttpStatusCode.Unauthorized),
        new("viewer cannot create", BroadcastApp.ViewerToken, "create", HttpStatusCode.Forbidden),
        new("approver cannot create", BroadcastApp.ApproverToken, "create", HttpStatusCode.Forbidden),
        new("counsellor cannot create", BroadcastApp.CounsellorToken, "create", HttpStatusCode.Forbidden),
        new("admin creates", GatewayApp.AdminToken, "create", HttpStatusCode.Created),
        new("editor cannot approve, even another editor's", BroadcastApp.SecondEditorToken, "approve", HttpStatusCode.Forbidden),
        new("viewer cannot approve", BroadcastApp.ViewerToken, "approve", HttpStatusCode.Forbidden),
        new("admin approves an editor's broadcast", GatewayApp.AdminToken, "approve", HttpStatusCode.OK),
        new("viewer cannot cancel", BroadcastApp.ViewerToken, "cancel", HttpStatusCode.Forbidden),
        new("counsellor cannot cancel", BroadcastApp.CounsellorToken, "cancel", HttpStatusCode.Forbidden),
        new("another editor cancels", BroadcastApp.SecondEditorToken, "cancel", HttpStatusCode.OK),
        new("approver cancels", BroadcastApp.ApproverToken, "cancel", HttpStatusCode.OK),
        new("viewer reads", BroadcastApp.ViewerToken, "get", HttpStatusCode.OK),
        new("counsellor reads", BroadcastApp.CounsellorToken, "get", HttpStatusCode.OK),
        new("viewer previews", BroadcastApp.ViewerToken, "preview", HttpStatusCode.OK),
        new("viewer lists", BroadcastApp.ViewerToken, "list", HttpStatusCode.OK),
    };

    [Theory, MemberData(nameof(Roles))]
    public async Task Roles_DecideWhoMayDoWhat(RoleCase c)
    {
        var id = await Broadcasting.CreateAsync(app, Valid());
        var client = c.Token == "" ? app.CreateClient() : app.AdminClient(c.Token);
        var response = c.Action switch
        {
            "create" => await client.PostAsJsonAsync("/api/broadcasts", Valid()),
            "approve" => await client.PostAsync($"/api/broadcasts/{id}/approve", null),
            "cancel" => await client.PostAsync($"/api/broadcasts/{id}/cancel", null),
            "preview" => await client.PostAsJsonAsync("/api/broadcasts/preview", Valid()),
            "list" => await client.GetAsync("/api/broadcasts"),
            _ => await client.GetAsync($"/api/broadcasts/{id}"),
        };
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == c.Status, $"{(int)response.StatusCode}: {text}");
        if (c.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()));
        if (c.Action == "approve" && c.Status == HttpStatusCode.Forbidden)
            Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Creator_CannotApproveTheirOwnBroadcast_EvenAsAdmin()
    {
        var id = await Broadcasting.CreateAsync(app, Valid(), GatewayApp.AdminToken);

        var response = await app.AdminClient(GatewayApp.AdminToken).PostAsync($"/api/broadcasts/{id}/approve", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("a second person", await response.Content.ReadAsStringAsync());
        Assert.Equal("pending_approval", (await Broadcasting.GetAsync(app, id)).GetProperty("status").GetString());
        // The approver can.
        var approved = await Broadcasting.ApproveAsync(app, id);
        Assert.Equal("wang", approved.GetProperty("approvedBy").GetString());
    }

    [Fact]
    public async Task StateTransitions_OutOfOrder_Are409_UnknownIds404()
    {
        var id = await Broadcasting.CreateAsync(app, Valid());
        await Broadcasting.ApproveAsync(app, id);
        var approver = app.AdminClient(BroadcastApp.ApproverToken);

        var twice = await approver.PostAsync($"/api/broadcasts/{id}/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("only a broadcast pending approval", await twice.Content.ReadAsStringAsync());

        var canceled = await approver.PostAsync($"/api/broadcasts/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await approver.PostAsync($"/api/broadcasts/{id}/cancel", null)).StatusCode);

        var pending = await Broadcasting.CreateAsync(app, Valid());
        await approver.PostAsync($"/api/broadcasts/{pending}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, (await approver.PostAsync($"/api/broadcasts/{pending}/approve", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await approver.PostAsync("/api/broadcasts/999999/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await approver.PostAsync("/api/broadcasts/999999/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await approver.GetAsync("/api/broadcasts/999999")).StatusCode);
    }

    [Fact]
    public async Task List_IsNewestFirst_AndFiltersByStatus()
    {
        var first = await Broadcasting.CreateAsync(app, Valid());
        var second = await Broadcasting.CreateAsync(app, Valid());
        await Broadcasting.ApproveAsync(app, second);

        var response = await app.AdminClient(BroadcastApp.ViewerToken).GetAsync("/api/broadcasts?status=pending_approval&limit=200");
        var ids = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("broadcasts").EnumerateArray()
            .Select(b => b.GetProperty("id").GetInt64()).ToList();
        Assert.Contains(first, ids);
        Assert.DoesNotContain(second, ids);
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.AdminClient().GetAsync("/api/broadcasts?status=done")).StatusCode);
    }
}
