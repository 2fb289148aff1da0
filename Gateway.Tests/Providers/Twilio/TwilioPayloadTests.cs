using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>Real payloads the gateway once misread (issue 16): a repeated form parameter, MMS media, a base64 body,
/// characters PostgreSQL text cannot hold. Each is sent as Twilio sends it, signed, to a real database.</summary>
public sealed class TwilioPayloadTests(TwilioWebhookApp app) : IClassFixture<TwilioWebhookApp>
{
    private readonly TwilioSms _twilio = new(app);

    private static List<KeyValuePair<string, string>> Pairs(Dictionary<string, string> form, params (string Name, string Value)[] more) =>
        [.. form, .. more.Select(m => KeyValuePair.Create(m.Name, m.Value))];

    [Fact]
    public async Task ARepeatedParameter_SignedAsTwilioPublishes_IsAccepted()
    {
        // twilio-node and twilio-python sign each distinct value of a repeated name, sorted; Twilio signs the same way.
        var form = TwilioSms.Form("+8613900000601", "HELP");

        var response = await _twilio.PostAsync(Pairs(form, ("Tag", "b"), ("Tag", "a"), ("Tag", "b")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Reply JOIN", TwilioSms.ReplyIn(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ARepeatedParameter_SignedWithItsValuesJoinedByCommas_IsForbidden()
    {
        // What the gateway used to check (the form value's ToString()): not Twilio's algorithm, so not accepted.
        var form = TwilioSms.Form("+8613900000602", "HELP");
        var request = new HttpRequestMessage(HttpMethod.Post, TwilioSms.Path)
        {
            Content = new FormUrlEncodedContent(Pairs(form, ("Tag", "b"), ("Tag", "a"))),
        };
        request.Headers.Add("X-Twilio-Signature", TwilioSigner.Sign(TwilioSms.AuthToken, GatewayApp.PublicBaseUrl + TwilioSms.Path,
            new Dictionary<string, string>(form) { ["Tag"] = "b,a" }));

        Assert.Equal(HttpStatusCode.Forbidden, (await app.CreateClient().SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task MmsMedia_AreStoredWithTheMessage_AndShownInTheInboxAndTheConversation()
    {
        const string phone = "+8613900000603";
        var form = TwilioSms.Form(phone, "这是我家门口的告示");
        form["NumMedia"] = "2";
        form["MediaUrl0"] = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1";
        form["MediaContentType0"] = "image/jpeg";
        form["MediaUrl1"] = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2";
        form["MediaContentType1"] = "application/pdf";

        Assert.Equal(HttpStatusCode.OK, (await _twilio.PostAsync(form)).StatusCode);

        (string?, string?)[] expected = [(form["MediaUrl0"], "image/jpeg"), (form["MediaUrl1"], "application/pdf")];
        using var inbox = JsonDocument.Parse(await app.AdminClient().GetStringAsync("/api/inbox?limit=500"));
        var inInbox = inbox.RootElement.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("phone").GetString() == phone);
        Assert.Equal(expected, Media(inInbox));

        using var conversation = JsonDocument.Parse(await app.AdminClient().GetStringAsync($"/api/simulator/conversation?phone={Uri.EscapeDataString(phone)}"));
        var inConversation = conversation.RootElement.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("direction").GetString() == "in");
        Assert.Equal(expected, Media(inConversation));
    }

    private static (string?, string?)[] Media(JsonElement message) => message.GetProperty("media").EnumerateArray()
        .Select(x => (x.GetProperty("url").GetString(), x.GetProperty("contentType").GetString())).ToArray();

    [Theory]
    [InlineData("1", null)]                           // a count with no URL
    [InlineData("1", "not a url")]
    [InlineData("11", "https://example.org/m")]       // Twilio sends at most 10
    [InlineData("two", "https://example.org/m")]
    public async Task MediaThatDoNotAddUp_AreRefusedWithAReason(string count, string? url)
    {
        var form = TwilioSms.Form("+8613900000604", "HELP");
        form["NumMedia"] = count;
        if (url is not null) form["MediaUrl0"] = url;

        var response = await _twilio.PostAsync(form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("NumMedia", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABase64Body_IsDecoded_StoredAsWritten_AndUnderstood()
    {
        // Some routes hand over a concatenated message base64-encoded (issue 16).
        const string written = "Please stop texting me, I have asked three times already and I still get your health notices every single day.";
        var form = TwilioSms.Form("+8613900000605", Convert.ToBase64String(Encoding.UTF8.GetBytes(written)));

        var reply = TwilioSms.ReplyIn(await (await _twilio.PostAsync(form)).Content.ReadAsStringAsync());

        Assert.Contains("You are unsubscribed from all messages", reply);
        Assert.Equal(written, await app.QuerySingleAsync<string>("SELECT body FROM inbound_messages WHERE provider_message_id = @sid", new { sid = form["MessageSid"] }));
    }

    [Fact]
    public async Task ANulInTheForm_IsTaken_AsTheReplacementCharacter()
    {
        // ASP.NET's form reader refuses NUL in a value; a resident's signed message is read as sent instead
        // (Hosting/RequestBodyGuard, KeepsResidentsText) and kept, its NUL stored as U+FFFD.
        var form = TwilioSms.Form("+8613900000607", "HELP\0 me");

        var response = await _twilio.PostAsync(form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HELP\uFFFD me", await app.QuerySingleAsync<string>("SELECT body FROM inbound_messages WHERE provider_message_id = @sid", new { sid = form["MessageSid"] }));
    }

    [Theory]
    [InlineData("a NUL", @"HELP\u0000 me", "HELP\uFFFD me")]
    [InlineData("a whole emoji stays", @"HELP \ud83d\ude00", "HELP 😀")]
    public async Task TextPostgresCannotHold_IsKept_AsTheReplacementCharacter(string label, string jsonBody, string stored)
    {
        // JSON can carry what a form cannot (the simulator's route, and any provider that posts JSON).
        var phone = "+86139000006" + (10 + label.Length % 80).ToString("D2");
        var content = new StringContent($$"""{"from": "{{phone}}", "body": "{{jsonBody}}"}""", Encoding.UTF8, "application/json");

        var response = await app.AdminClient().PostAsync("/api/simulator/inbound", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(stored, await app.QuerySingleAsync<string>("SELECT body FROM inbound_messages WHERE from_phone = @phone ORDER BY id DESC LIMIT 1", new { phone }));
    }
}

/// <summary>
/// Issue 20's "Received unexpected backend message DataRow" (the message stored, the webhook answered 500), reproduced:
/// a small pool serves every request, so the execution that makes Npgsql prepare the store statement (its 5th use on a
/// connection, with Max Auto Prepare on) meets a body with a NUL (posted as JSON, which can carry one). Before the fix
/// that execution failed at Bind (22021), Npgsql kept the statement as prepared without its row description, and a
/// later message on that connection was stored but its result misread: 500 (message 11 here, on the code before the
/// redesign). Now the read step makes every text storable, so no statement can fail at Bind.
/// </summary>
public sealed class OneConnectionUnderBadInputTests(OneConnectionUnderBadInputTests.App app) : IClassFixture<OneConnectionUnderBadInputTests.App>
{
    public sealed class App : TwilioWebhookApp
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            base.Configure(settings);
            // The fixture's databases are opened unpooled (so nothing is ever prepared); production pools and prepares.
            // Two connections: start-up needs both at once, and sequential requests then reuse one.
            settings["DATABASE_URL"] += ";Pooling=true;Maximum Pool Size=2";
        }
    }

    [Fact]
    public async Task EveryMessage_IsStoredAndAnswered_WhateverItsNeighboursCarried()
    {
        var client = app.AdminClient();
        var statuses = new List<(int N, HttpStatusCode Status)>();
        for (var n = 0; n < 24; n++)
        {
            // A new number each time, so every message takes the store statement once. The 5th use of a statement on a
            // connection is the one that prepares it: there, and every 6th message after, the body carries a NUL.
            var body = n % 6 == 4 ? "what\\u0000is this" : "HELP";
            var content = new StringContent($$"""{"from": "+86139000007{{n:D2}}", "body": "{{body}}"}""", Encoding.UTF8, "application/json");
            statuses.Add((n, (await client.PostAsync("/api/simulator/inbound", content)).StatusCode));
        }

        Assert.All(statuses, s => Assert.Equal((s.N, HttpStatusCode.OK), s));
        Assert.Equal(24, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM inbound_messages WHERE handled_at IS NOT NULL"));
    }
}
