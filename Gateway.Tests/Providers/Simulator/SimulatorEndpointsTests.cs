using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.Simulator;

public sealed class SimulatorEndpointsTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private readonly HttpClient _client = app.AdminClient();

    private async Task<JsonElement> Inbound(object body)
    {
        var response = await _client.PostAsJsonAsync("/api/simulator/inbound", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement[]> Messages(string to) =>
        (await _client.GetFromJsonAsync<JsonElement[]>($"/api/simulator/messages?to={Uri.EscapeDataString(to)}"))!;

    [Fact]
    public async Task Inbound_GoesThroughThePipeline_StoresTheMessage_AndReturnsTheReply()
    {
        var result = await Inbound(new { from = "13800000001", body = "hello" });

        Assert.Equal("+8613800000001", result.GetProperty("from").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("reply").GetString()));
        Assert.Equal("hello", await app.QuerySingleAsync<string>(
            "SELECT body FROM inbound_messages WHERE from_phone = '+8613800000001' AND provider = 'simulator'"));
    }

    [Fact]
    public async Task Messages_ListWhatWasSentToTheNumber_NewestFirst_WithSegmentsAndEncoding()
    {
        await Inbound(new { from = "+86 138 0000 0002", body = "first" });
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Inbound(new { from = "+86 138 0000 0002", body = "second" });

        var messages = await Messages("13800000002");

        Assert.Equal(2, messages.Length);
        Assert.All(messages, m => Assert.Equal("+8613800000002", m.GetProperty("to").GetString()));
        Assert.True(messages[0].GetProperty("sentAt").GetDateTimeOffset() > messages[1].GetProperty("sentAt").GetDateTimeOffset());
        Assert.Equal(1, messages[0].GetProperty("segments").GetInt32());
        Assert.Contains(messages[0].GetProperty("encoding").GetString(), new[] { "GSM-7", "UCS-2" });
        Assert.Empty(await Messages("+8613800000099"));
    }

    [Fact]
    public async Task SameId_IsAProviderRetry_SameReply_NothingStoredTwice()
    {
        var first = await Inbound(new { from = "13800000003", body = "hi", id = "SM-retry-1" });
        var second = await Inbound(new { from = "13800000003", body = "hi", id = "SM-retry-1" });

        Assert.False(first.GetProperty("duplicate").GetBoolean());
        Assert.True(second.GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.GetProperty("reply").GetString(), second.GetProperty("reply").GetString());
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*) FROM inbound_messages WHERE provider_message_id = 'SM-retry-1'"));
        Assert.Single(await Messages("+8613800000003"));
    }

    [Fact]
    public async Task Conversation_ShowsBothSides_OldestFirst_AndTheNumbersRecord()
    {
        await Inbound(new { from = "13800000005", body = "订阅 2" });
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Inbound(new { from = "13800000005", body = "TD" });
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Inbound(new { from = "13800000005", body = "还在吗" });

        var conversation = (await _client.GetFromJsonAsync<JsonElement>("/api/simulator/conversation?phone=%2B8613800000005"))!;

        Assert.Equal("+8613800000005", conversation.GetProperty("phone").GetString());
        var subscriber = conversation.GetProperty("subscriber");
        Assert.Equal(("opted_out", "zh", "tips"), (subscriber.GetProperty("status").GetString(), subscriber.GetProperty("language").GetString(),
            string.Join(",", subscriber.GetProperty("topics").EnumerateArray().Select(t => t.GetString()))));
        Assert.Equal(["in 订阅 2", "out", "in TD", "out", "in 还在吗"], conversation.GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("direction").GetString() == "in" ? "in " + m.GetProperty("body").GetString() : "out"));
        Assert.Equal([true, true, false], conversation.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("direction").GetString() == "in").Select(m => m.GetProperty("replied").GetBoolean()));
    }

    [Fact]
    public async Task Conversation_OfAnUnknownNumber_IsEmpty()
    {
        var conversation = (await _client.GetFromJsonAsync<JsonElement>("/api/simulator/conversation?phone=13800000098"))!;
        Assert.Equal(JsonValueKind.Null, conversation.GetProperty("subscriber").ValueKind);
        Assert.Empty(conversation.GetProperty("messages").EnumerateArray());
    }

    public sealed record BadRequest(string Label, string Method, string Path, string? ContentType, string? Body, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<BadRequest> BadRequests => new()
    {
        new("from missing", "POST", "/api/simulator/inbound", "application/json", """{"body":"hi"}""", HttpStatusCode.BadRequest, "from: phone number is empty"),
        new("from not a number", "POST", "/api/simulator/inbound", "application/json", """{"from":"mum","body":"hi"}""", HttpStatusCode.BadRequest, "from: not a phone number"),
        new("from too short", "POST", "/api/simulator/inbound", "application/json", """{"from":"138","body":"hi"}""", HttpStatusCode.BadRequest, "from: phone number is too short"),
        new("body missing", "POST", "/api/simulator/inbound", "application/json", """{"from":"13800000004"}""", HttpStatusCode.BadRequest, "body: required"),
        new("body longer than an SMS", "POST", "/api/simulator/inbound", "application/json", $$"""{"from":"13800000004","body":"{{new string('a', 1601)}}"}""", HttpStatusCode.UnprocessableEntity, "at most 1600"),
        new("malformed JSON names the field", "POST", "/api/simulator/inbound", "application/json", """{"from":"13800000004","body":42}""", HttpStatusCode.BadRequest, "$.body"),
        new("truncated JSON", "POST", "/api/simulator/inbound", "application/json", """{"from":"1380""", HttpStatusCode.BadRequest, "malformed JSON"),
        new("form instead of JSON", "POST", "/api/simulator/inbound", "application/x-www-form-urlencoded", "from=13800000004&body=hi", HttpStatusCode.UnsupportedMediaType, "send application/json"),
        new("body over 16 KiB", "POST", "/api/simulator/inbound", "application/json", $$"""{"from":"13800000004","body":"{{new string('a', 17000)}}"}""", HttpStatusCode.RequestEntityTooLarge, "limit is 16384"),
        new("list with a bad number", "GET", "/api/simulator/messages?to=abc", null, null, HttpStatusCode.BadRequest, "to: not a phone number"),
        new("list with a silly limit", "GET", "/api/simulator/messages?limit=0", null, null, HttpStatusCode.BadRequest, "limit"),
        new("conversation without a number", "GET", "/api/simulator/conversation", null, null, HttpStatusCode.BadRequest, "phone: phone number is empty"),
        new("conversation of a bad number", "GET", "/api/simulator/conversation?phone=abc", null, null, HttpStatusCode.BadRequest, "phone: not a phone number"),
        new("unknown route", "GET", "/api/nothing-here", null, null, HttpStatusCode.NotFound, "no route GET /api/nothing-here"),
    };

    [Theory, MemberData(nameof(BadRequests))]
    public async Task BadInput_GetsAClearError_NeverA500(BadRequest c)
    {
        var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null) request.Content = new StringContent(c.Body, Encoding.UTF8, c.ContentType!);

        var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(c.Status, response.StatusCode);
        Assert.True(text.Contains(c.Detail), $"expected \"{c.Detail}\" in {text}");
    }

    [Fact]
    public async Task Page_IsServed()
    {
        var response = await _client.GetAsync("/simulator");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("/api/simulator/inbound", page);
        Assert.Contains("/api/simulator/conversation", page);
    }
}

/// <summary>With a real provider configured, the simulator's endpoints do not exist.</summary>
public sealed class SimulatorAbsentTests(SimulatorAbsentTests.TwilioApp app) : IClassFixture<SimulatorAbsentTests.TwilioApp>
{
    public sealed class TwilioApp : GatewayApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["SMS_PROVIDER"] = "twilio";
            settings["TWILIO_ACCOUNT_SID"] = "AC" + new string('1', 32);
            settings["TWILIO_AUTH_TOKEN"] = "12345";
            settings["TWILIO_FROM_NUMBER"] = "+15017122661";
        }
    }

    [Theory]
    [InlineData("GET", "/api/simulator/messages?to=13800000001")]
    [InlineData("POST", "/api/simulator/inbound")]
    [InlineData("GET", "/simulator")]
    [InlineData("GET", "/api/simulator/conversation?phone=13800000001")]
    public async Task Endpoints_AreNotFound(string method, string path)
    {
        var response = await app.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
