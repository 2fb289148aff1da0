using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Admin;

/// <summary>The admin read API: subscribers, their consent ledger, the inbox of messages not understood, and the counsellors' queue.</summary>
public sealed class AdminEndpointsTests(AdminEndpointsTests.App app) : IClassFixture<AdminEndpointsTests.App>
{
    public const string CounsellorToken = "counsellor-token-0123456789";
    public const string ViewerToken = "viewer-token-0123456789ab";

    public sealed class App : TwilioWebhookApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            settings["API_TOKENS"] = $"lin:counsellor:{CounsellorToken},wang:viewer:{ViewerToken}";
        }
    }

    private readonly TwilioSms _twilio = new(app);

    private async Task<JsonElement> GetJson(string path, string token = GatewayApp.AdminToken)
    {
        var response = await app.AdminClient(token).GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task Subscriber_HasTheDocumentedShape()
    {
        await _twilio.SendAsync("+8613800000201", "订阅 2");
        await _twilio.SendAsync("+8613800000201", "JOIN 4");

        var s = await GetJson("/api/subscribers/+8613800000201");

        Assert.Equal(["phone", "status", "language", "topics", "region", "createdAt", "optedOutAt", "courses"], s.EnumerateObject().Select(p => p.Name));
        Assert.Equal("+8613800000201", s.GetProperty("phone").GetString());
        Assert.Equal("active", s.GetProperty("status").GetString());
        Assert.Equal("zh", s.GetProperty("language").GetString());
        Assert.Equal(["tips", "mental-health"], s.GetProperty("topics").EnumerateArray().Select(t => t.GetString()).Order().Reverse());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("region").ValueKind);
        Assert.Equal(app.Clock.GetUtcNow(), s.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("optedOutAt").ValueKind);
    }

    [Fact]
    public async Task OptedOutSubscriber_ShowsWhen()
    {
        await _twilio.SendAsync("+8613800000202", "STOP");

        var s = await GetJson("/api/subscribers/%2B8613800000202");

        Assert.Equal("opted_out", s.GetProperty("status").GetString());
        Assert.Equal(app.Clock.GetUtcNow(), s.GetProperty("optedOutAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("%2B86%20138%200000%200203")]   // "+86 138 0000 0203", URL-encoded
    [InlineData("13800000203")]                 // DEFAULT_REGION CN
    [InlineData("+8613800000203")]
    public async Task Subscriber_AnyWayOfWritingTheNumber(string written)
    {
        await _twilio.SendAsync("+8613800000203", "HELP");
        Assert.Equal("+8613800000203", (await GetJson("/api/subscribers/" + written)).GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Consent_IsTheLedger_OldestFirst()
    {
        await _twilio.SendAsync("+8613800000204", "JOIN 2");
        await _twilio.SendAsync("+8613800000204", "Stop!");
        await _twilio.SendAsync("+8613800000204", "START");

        var ledger = (await GetJson("/api/subscribers/+8613800000204/consent")).EnumerateArray().ToList();

        Assert.Equal(["opt_in tips JOIN 2 sms", "opt_out all Stop! sms", "opt_in all START sms"], ledger.Select(e =>
            $"{e.GetProperty("action")} {e.GetProperty("scope")} {e.GetProperty("keyword")} {e.GetProperty("channel")}"));
        Assert.All(ledger, e => Assert.Equal(app.Clock.GetUtcNow(), e.GetProperty("occurredAt").GetDateTimeOffset()));
    }

    public sealed record Refused(string Label, string Path, string? Token, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Refused> RefusedRequests => new()
    {
        new("no token", "/api/subscribers/+8613800000299", null, HttpStatusCode.Unauthorized, "Authorization: Bearer"),
        new("wrong token", "/api/subscribers/+8613800000299", "not-a-real-token-at-all", HttpStatusCode.Unauthorized, "unknown token"),
        new("unknown number", "/api/subscribers/+8613800000299", GatewayApp.AdminToken, HttpStatusCode.NotFound, "no subscriber"),
        new("invalid number", "/api/subscribers/12ab", GatewayApp.AdminToken, HttpStatusCode.BadRequest, "phone: not a phone number"),
        new("consent of an unknown number", "/api/subscribers/+8613800000299/consent", GatewayApp.AdminToken, HttpStatusCode.NotFound, "no subscriber"),
        new("consent without token", "/api/subscribers/+8613800000299/consent", null, HttpStatusCode.Unauthorized, "Bearer"),
        new("inbox without token", "/api/inbox?unhandled=true", null, HttpStatusCode.Unauthorized, "Bearer"),
        new("inbox with a silly limit", "/api/inbox?unhandled=true&limit=0", GatewayApp.AdminToken, HttpStatusCode.BadRequest, "limit"),
        new("support queue without token", "/api/support/requests", null, HttpStatusCode.Unauthorized, "Bearer"),
        new("support queue for a viewer", "/api/support/requests", ViewerToken, HttpStatusCode.Forbidden, "'viewer' role"),
        new("support queue with an unknown status", "/api/support/requests?status=pending", CounsellorToken, HttpStatusCode.BadRequest, "status: must be one of"),
    };

    [Theory, MemberData(nameof(RefusedRequests))]
    public async Task RefusedRequests_SayWhy(Refused c)
    {
        var client = c.Token is null ? app.CreateClient() : app.AdminClient(c.Token);
        var response = await client.GetAsync(c.Path);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(c.Status, response.StatusCode);
        Assert.True(text.Contains(c.Detail, StringComparison.Ordinal), $"expected \"{c.Detail}\" in {text}");
    }

    [Fact]
    public async Task Inbox_ListsMessagesNotUnderstood_NewestFirst_WithTheFullNumber_APageAtATime()
    {
        foreach (var (phone, body) in new[]
        {
            ("+8613800000205", "where is the fever clinic"), ("+8613800000205", "HELP"), ("+8613800000206", "我家老人需要药"),
            ("+8613800000206", "STOP"), ("+8613800000206", "还会发吗"),   // opted out: no reply, but still readable here
        })
        {
            await _twilio.SendAsync(phone, body);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Two at a time, following "next" to the end (other tests of this class add messages too).
        var all = new List<JsonElement>();
        for (string? page = "/api/inbox?unhandled=true&limit=2"; page is not null;)
        {
            var json = await GetJson(page);
            var messages = json.GetProperty("messages").EnumerateArray().ToList();
            Assert.True(messages.Count <= 2);
            all.AddRange(messages);
            page = json.GetProperty("next").GetString();
        }
        var ours = all.Where(m => m.GetProperty("phone").GetString()!.StartsWith("+86138000002")).ToList();

        Assert.Equal(["还会发吗", "我家老人需要药", "where is the fever clinic"], ours.Select(m => m.GetProperty("body").GetString()));
        Assert.Equal(["+8613800000206", "+8613800000206", "+8613800000205"], ours.Select(m => m.GetProperty("phone").GetString()));
        Assert.All(ours, m => Assert.Equal("unknown", m.GetProperty("intent").GetString()));
        Assert.Equal(JsonValueKind.Null, ours[0].GetProperty("reply").ValueKind);
        Assert.Contains("没看懂", ours[1].GetProperty("reply").GetString());
        var arrivals = all.Select(m => m.GetProperty("receivedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(arrivals.OrderDescending(), arrivals);
    }

    [Fact]
    public async Task Inbox_ShowsAMessageStoredButNeverHandled()
    {
        // What a crash between storing and handling leaves behind: officials still see it.
        await app.QuerySingleAsync<long>("""
            INSERT INTO inbound_messages (provider, provider_message_id, from_phone, body, received_at)
            VALUES ('twilio', 'SMcrashed0000000000000000000000001', '+8613700000210', '需要帮忙', now()) RETURNING id
            """);

        var messages = (await GetJson("/api/inbox?unhandled=true&limit=500")).GetProperty("messages").EnumerateArray();

        var crashed = Assert.Single(messages, m => m.GetProperty("phone").GetString() == "+8613700000210");
        Assert.Equal(JsonValueKind.Null, crashed.GetProperty("intent").ValueKind);
        Assert.Equal(JsonValueKind.Null, crashed.GetProperty("handledAt").ValueKind);
    }

    [Fact]
    public async Task Inbox_ListsWhatWasNotUnderstoodByDefault_AndEverythingWhenAsked()
    {
        await _twilio.SendAsync("+8613800000207", "HELP");
        var unhandled = (await GetJson("/api/inbox")).GetProperty("messages").EnumerateArray().ToList();
        Assert.DoesNotContain(unhandled, m => m.GetProperty("intent").GetString() == "help");
        Assert.All(unhandled, m => Assert.Equal("unknown", m.GetProperty("intent").GetString()));
        var all = (await GetJson("/api/inbox?unhandled=false")).GetProperty("messages").EnumerateArray();
        Assert.Contains(all, m => m.GetProperty("phone").GetString() == "+8613800000207" && m.GetProperty("intent").GetString() == "help");
    }

    [Fact]
    public async Task Inbox_MessagesThatAskedForACounsellor_AreForCounsellorsAndAdminsOnly()
    {
        await _twilio.SendAsync("+8613800000211", "TALK");
        await _twilio.SendAsync("+8613800000212", "我不想活了");
        bool Lists(JsonElement page, string phone) => page.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("body").GetString() is "TALK" or "我不想活了"
            && m.GetProperty("phone").GetString()!.EndsWith(phone[^4..], StringComparison.Ordinal));

        var viewer = await GetJson("/api/inbox?unhandled=false&limit=500", ViewerToken);
        Assert.False(Lists(viewer, "+8613800000211") || Lists(viewer, "+8613800000212"));
        var admin = await GetJson("/api/inbox?unhandled=false&limit=500");
        Assert.True(Lists(admin, "+8613800000211") && Lists(admin, "+8613800000212"));
        // A counsellor reads them, with the number masked.
        var counsellor = await GetJson("/api/inbox?unhandled=false&limit=500", CounsellorToken);
        Assert.True(Lists(counsellor, "+8613800000212"));
        Assert.DoesNotContain("+8613800000212", counsellor.GetRawText());
    }
}
