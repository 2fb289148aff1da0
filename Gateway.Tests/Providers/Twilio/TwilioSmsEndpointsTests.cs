using System.Net;
using System.Text;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>POST /webhooks/twilio/sms over HTTP, signed like Twilio signs it, against a real database.</summary>
public sealed class TwilioSmsEndpointsTests(TwilioWebhookApp app) : IClassFixture<TwilioWebhookApp>
{
    private readonly TwilioSms _twilio = new(app);
    private const string Url = GatewayApp.PublicBaseUrl + TwilioSms.Path;

    private Task<int> StoredCount(string sid) =>
        app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE provider_message_id = @sid", new { sid });

    [Fact]
    public async Task SignedSms_IsStored_AndAnsweredWithTwiml()
    {
        var form = TwilioSms.Form("+8613900000001", "帮助");

        var response = await _twilio.PostAsync(form);
        var xml = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("<?xml", xml);
        Assert.Contains("回复 订阅+编号", TwilioSms.ReplyIn(xml));
        var stored = await app.QuerySingleAsync<(string Provider, string From, string To, string Body, string Intent)>(
            "SELECT provider, from_phone, to_phone, body, intent FROM inbound_messages WHERE provider_message_id = @sid", new { sid = form["MessageSid"] });
        Assert.Equal(("twilio", "+8613900000001", TwilioSms.OurNumber, "帮助", "help"), stored);
    }

    public sealed record Rejected(string Label, Func<Dictionary<string, string>, HttpRequestMessage> Build, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Label;
    }

    private static HttpRequestMessage Post(Dictionary<string, string> form, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TwilioSms.Path) { Content = new FormUrlEncodedContent(form) };
        if (signature is not null)
            request.Headers.Add("X-Twilio-Signature", signature);
        return request;
    }

    private static HttpRequestMessage SignedWith(string token, string url, Dictionary<string, string> form) =>
        Post(form, TwilioSigner.Sign(token, url, form));

    private static Dictionary<string, string> Without(Dictionary<string, string> form, string name)
    {
        var copy = new Dictionary<string, string>(form);
        copy.Remove(name);
        return copy;
    }

    public static TheoryData<Rejected> RejectedRequests => new()
    {
        new("missing signature", f => Post(f, null), HttpStatusCode.Forbidden, "missing X-Twilio-Signature"),
        new("empty signature", f => Post(f, ""), HttpStatusCode.Forbidden, "missing X-Twilio-Signature"),
        new("forged signature", f => Post(f, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), HttpStatusCode.Forbidden, "invalid X-Twilio-Signature"),
        new("signed with another (old) auth token", f => SignedWith("54321", Url, f), HttpStatusCode.Forbidden, "invalid"),
        new("signed for another host", f => SignedWith(TwilioSms.AuthToken, "https://evil.example.org" + TwilioSms.Path, f), HttpStatusCode.Forbidden, "invalid"),
        new("signed for http instead of https", f => SignedWith(TwilioSms.AuthToken, "http://gateway.example.org" + TwilioSms.Path, f), HttpStatusCode.Forbidden, "invalid"),
        new("signed for another path", f => SignedWith(TwilioSms.AuthToken, GatewayApp.PublicBaseUrl + "/webhooks/twilio/status", f), HttpStatusCode.Forbidden, "invalid"),
        new("body changed after signing", f =>
        {
            var request = SignedWith(TwilioSms.AuthToken, Url, f);
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string>(f) { ["Body"] = "JOIN 1" });
            return request;
        }, HttpStatusCode.Forbidden, "invalid"),
        new("parameter added after signing", f =>
        {
            var request = SignedWith(TwilioSms.AuthToken, Url, f);
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string>(f) { ["OptOutType"] = "STOP" });
            return request;
        }, HttpStatusCode.Forbidden, "invalid"),
        new("MessageSid missing", f => SignedWith(TwilioSms.AuthToken, Url, Without(f, "MessageSid")), HttpStatusCode.BadRequest, "MessageSid: required"),
        new("From missing", f => SignedWith(TwilioSms.AuthToken, Url, Without(f, "From")), HttpStatusCode.BadRequest, "From: required"),
        new("From a WhatsApp address", f => SignedWith(TwilioSms.AuthToken, Url, new(f) { ["From"] = "whatsapp:+8613900000009" }), HttpStatusCode.BadRequest, "'whatsapp:' addresses are not supported"),
        new("From not a phone number", f => SignedWith(TwilioSms.AuthToken, Url, new(f) { ["From"] = "Mum" }), HttpStatusCode.BadRequest, "From: not a phone number"),
        new("body over 16 KiB", f => SignedWith(TwilioSms.AuthToken, Url, new(f) { ["Body"] = new string('a', 17_000) }), HttpStatusCode.RequestEntityTooLarge, "limit is 16384"),
        new("JSON instead of a form", f =>
        {
            var request = SignedWith(TwilioSms.AuthToken, Url, f);
            request.Content = new StringContent("""{"From":"+8613900000009"}""", Encoding.UTF8, "application/json");
            return request;
        }, HttpStatusCode.UnsupportedMediaType, "x-www-form-urlencoded"),
    };

    [Theory, MemberData(nameof(RejectedRequests))]
    public async Task BadRequests_AreRefusedWithAReason_AndNothingIsStored(Rejected c)
    {
        var form = TwilioSms.Form("+8613900000002", "STOP");

        var response = await app.CreateClient().SendAsync(c.Build(form));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(c.Status, response.StatusCode);
        Assert.True(text.Contains(c.Detail, StringComparison.Ordinal), $"expected \"{c.Detail}\" in {text}");
        Assert.Equal(0, await StoredCount(form["MessageSid"]));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM subscribers WHERE phone = '+8613900000002'"));
    }

    [Fact]
    public async Task Get_IsNotAllowed()
    {
        var response = await app.CreateClient().GetAsync(TwilioSms.Path);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task DuplicateMessageSid_GetsTheSameTwiml_AndChangesNothing()
    {
        var form = TwilioSms.Form("+8613900000003", "JOIN 2");

        var first = await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync();
        var second = await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync();

        Assert.Equal(first, second);
        Assert.Contains("Daily health tip", first);
        Assert.Equal(1, await StoredCount(form["MessageSid"]));
        Assert.Equal(["tips"], await app.QueryAsync<string>("SELECT scope FROM consent_events WHERE phone = '+8613900000003'"));
    }

    [Fact]
    public async Task DuplicateOfAnOptOut_ReturnsTheSameConfirmation_NotSilence()
    {
        var form = TwilioSms.Form("+8613900000004", "STOP");

        var first = TwilioSms.ReplyIn(await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync());
        var second = TwilioSms.ReplyIn(await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync());

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM consent_events WHERE phone = '+8613900000004'"));
    }

    [Fact]
    public async Task ConcurrentDeliveriesOfOneMessage_HaveOneEffect_AndOneReply()
    {
        var form = TwilioSms.Form("+8613900000005", "JOIN 4");

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
            await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync()));

        Assert.Single(replies.Distinct());
        Assert.Equal(1, await StoredCount(form["MessageSid"]));
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*)::int FROM consent_events WHERE phone = '+8613900000005' AND scope = 'mental-health'"));
    }

    [Fact]
    public async Task UnknownParameters_AreSignedOverAndAccepted()
    {
        // Twilio adds parameters without notice (protocols.md §1): they must be part of the signature, not refused.
        var form = TwilioSms.Form("+8613900000006", "HELP");
        form["SomeFutureParameter"] = "x";
        form["AddOns"] = """{"status":"successful"}""";

        var response = await _twilio.PostAsync(form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await StoredCount(form["MessageSid"]));
    }

    [Fact]
    public async Task SignatureComputedWithTheDefaultPort_IsAccepted()
    {
        // Twilio sometimes signs https://host:443/… for a URL configured as https://host/… (protocols.md §3.1 item 4).
        var form = TwilioSms.Form("+8613900000007", "HELP");
        var request = SignedWith(TwilioSms.AuthToken, "https://gateway.example.org:443" + TwilioSms.Path, form);

        var response = await app.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OptOutType_FromTwilio_OptsOutAKeywordOurParserDoesNotKnow()
    {
        // A Messaging Service with Advanced Opt-Out may be configured with extra keywords (here ARRET): Twilio has
        // blocked the number already, so our records follow.
        var form = TwilioSms.Form("+8613900000008", "ARRET");
        form["OptOutType"] = "STOP";

        await _twilio.PostAsync(form);

        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = '+8613900000008'"));
    }

    [Fact]
    public async Task OptOutType_NeverOverridesWhatOurParserUnderstood()
    {
        var form = TwilioSms.Form("+8613900000010", "HELP");
        form["OptOutType"] = "STOP";

        await _twilio.PostAsync(form);

        Assert.Equal("active", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = '+8613900000010'"));
    }

    [Fact]
    public async Task RepliesAreXmlEscaped()
    {
        // Placeholders carry what residents typed ("JOIN a<b&c"): it must arrive as text, not as TwiML.
        var reply = await _twilio.SendAsync("+8613900000011", "JOIN a<b&c");
        Assert.Contains("\"a<b&c\"", reply);
    }
}

/// <summary>Without TWILIO_AUTH_TOKEN nothing can be verified, so the webhook refuses everything.</summary>
public sealed class TwilioSmsWithoutTokenTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    [Fact]
    public async Task Webhook_IsForbidden()
    {
        var form = TwilioSms.Form("+8613900000020", "HELP");
        var response = await app.CreateClient().SendAsync(TwilioSigner.SignedPost("", GatewayApp.PublicBaseUrl, TwilioSms.Path, form));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("TWILIO_AUTH_TOKEN is not set", await response.Content.ReadAsStringAsync());
    }
}
