using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Each kind of hostile input issue 20's probe turned into a 500, one by one over a real socket (Kestrel), with the 4xx
/// and the reason it gets instead; and a resident's signed message with a NUL or U+FFFF is taken, not refused.
/// <see cref="FuzzTests"/> throws the same and more at every route.
/// </summary>
public sealed class HostileInputTests(FuzzTests.App app) : IClassFixture<FuzzTests.App>
{
    private HttpClient Client(bool admin = false)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        if (admin) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayApp.AdminToken);
        return client;
    }

    private const string UssdPath = "/webhooks/ussd/africastalking?token=" + GatewayApp.UssdCallbackToken;

    private static ByteArrayContent Body(string text, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("detail").GetString()!;
    }

    private async Task<HttpResponseMessage> SignedSmsAsync(string from, string body)
    {
        var form = TwilioSms.Form(from, body);
        var request = new HttpRequestMessage(HttpMethod.Post, TwilioSms.Path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioSigner.Sign(TwilioSms.AuthToken, app.BaseUrl + TwilioSms.Path, form));
        return await Client().SendAsync(request);
    }

    [Fact]
    public async Task AResidentsSignedMessage_WithANul_IsTaken_ItsNulStoredAsUFFFD()
    {
        var response = await SignedSmsAsync("+8613900002001", "my address is\0 gate 3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("my address is\uFFFD gate 3",
            await app.QuerySingleAsync<string>("SELECT body FROM inbound_messages WHERE from_phone = '+8613900002001'"));
    }

    [Fact]
    public async Task JoinWithUFFFF_GetsAReplyThatIsXml_WithoutTheCharacter()
    {
        var response = await SignedSmsAsync("+8613900002002", "JOIN \uFFFF");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = TwilioSms.ReplyIn(await response.Content.ReadAsStringAsync());   // parses the TwiML as XML
        Assert.NotNull(reply);
        Assert.DoesNotContain('\uFFFF', reply);
        Assert.Equal("JOIN \uFFFF", await app.QuerySingleAsync<string>("SELECT body FROM inbound_messages WHERE from_phone = '+8613900002002'"));
    }

    [Theory]
    [InlineData("\uFFFE")]
    [InlineData("\uFFFF")]
    [InlineData("\0")]
    public async Task APhoneFieldWithANoncharacterOrNul_Is400(string bad)
    {
        var simulator = await Client(admin: true).PostAsync("/api/simulator/inbound",
            Body(JsonSerializer.Serialize(new { from = "+86139" + bad + "00002003", body = "HELP" }), "application/json"));
        var ussd = await Client().PostAsync(UssdPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["sessionId"] = "ATUid_hostile", ["serviceCode"] = "*384*123#", ["phoneNumber"] = "+86139" + bad + "00002003", ["text"] = "",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, simulator.StatusCode);
        Assert.Contains("from:", await DetailAsync(simulator));
        // ASP.NET's form reader refuses a NUL in a form value itself, saying so; the rest reach the phone reader.
        Assert.Equal(HttpStatusCode.BadRequest, ussd.StatusCode);
        Assert.Equal(bad == "\0" ? "form: The form value contains invalid characters." : "phoneNumber: not a phone number", await DetailAsync(ussd));
    }

    [Fact]
    public async Task ANulInAFormValue_OutsideResidentsMessages_Is400WithTheReason()
    {
        var response = await Client().PostAsync(UssdPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["sessionId"] = "ATUid_nul\0", ["serviceCode"] = "*384*123#", ["phoneNumber"] = "+8613900002004", ["text"] = "",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("form: The form value contains invalid characters.", await DetailAsync(response));
    }

    [Fact]
    public async Task ANulInAQueryOrInJson_Is400_AndNothingReachesPostgreSQL()
    {
        var query = await Client(admin: true).GetAsync("/api/inbox?status=%00");
        var json = await Client(admin: true).PostAsync("/api/broadcasts",
            Body("""{"title": "mask\u0000notice", "zh": "戴口罩", "en": "Wear a mask", "topics": ["notices"]}""", "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, query.StatusCode);
        Assert.Contains("NUL", await DetailAsync(query));
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("NUL character (\\u0000)", await DetailAsync(json));
    }

    public static TheoryData<string, string, string?, int, string> BadBodies => new()
    {
        { "1,025 fields", string.Join('&', Enumerable.Range(0, 1_025).Select(i => $"f{i}=1")), "application/x-www-form-urlencoded", 400, "Form value count limit 1024 exceeded" },
        { "a key of 2,049 characters", new string('k', 2_049) + "=1", "application/x-www-form-urlencoded", 400, "Form key length limit 2048 exceeded" },
        { "multipart cut short", "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n1", "multipart/form-data; boundary=b", 400, "form:" },
        { "multipart without its boundary", "--b\r\n", "multipart/form-data", 400, "form:" },
        { "an unknown charset", "sessionId=x", "application/x-www-form-urlencoded; charset=nope", 415, "charset 'nope' is not known" },
        { "no content type", "sessionId=x", null, 415, "a request body needs a Content-Type" },
    };

    [Theory, MemberData(nameof(BadBodies))]
    public async Task AnUnreadableBody_GetsA4xxWithTheReason(string label, string body, string? contentType, int status, string reason)
    {
        var response = await Client().PostAsync(UssdPath, Body(body, contentType));

        Assert.True(status == (int)response.StatusCode, $"{label}: {(int)response.StatusCode}");
        Assert.Contains(reason, await DetailAsync(response));
    }

    [Fact]
    public async Task AUssdCallbackWithNoBodyAndNoContentType_Is415()
    {
        var response = await Client().PostAsync(UssdPath, null);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("x-www-form-urlencoded", await DetailAsync(response));
    }

    [Fact]
    public async Task JsonWithAnUnknownCharset_Is415()
    {
        var response = await Client(admin: true).PostAsync("/api/broadcasts", Body("""{"title": "x"}""", "application/json; charset=nope"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("charset 'nope'", await DetailAsync(response));
    }

    [Fact]
    public async Task A413_ClosesTheConnection_AndTheClientsNextRequestIsAnswered()
    {
        using var client = Client();
        foreach (var chunked in new[] { false, true })
        {
            var body = Encoding.ASCII.GetBytes("Body=" + new string('x', 20_000));
            HttpContent content = chunked ? new StreamContent(new NoLengthStream(body)) : new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

            var tooLarge = await client.PostAsync(TwilioSms.Path, content);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.True(tooLarge.Headers.ConnectionClose, "413 without Connection: close");
            Assert.Contains("the limit is 16384", await DetailAsync(tooLarge));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }
    }

    [Theory]
    [InlineData("PATCH", "/")]
    [InlineData("POST", "/")]
    [InlineData("DELETE", "/broadcasts")]
    public async Task APageAskedWithAMethodItHasNoHandlerFor_Is405(string method, string path)
    {
        var (staff, token) = await StaffAsync("hostile" + method.ToLowerInvariant() + path.Length);

        var response = await staff.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        });

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task AFormKeyWithAnUnclosedBracket_OnAPage_IsNotA500()
    {
        var (staff, token) = await StaffAsync("hostilebracket");

        var response = await staff.PostAsync("/broadcasts/new?handler=Preview",
            Body("Title[=x&__RequestVerificationToken=" + Uri.EscapeDataString(token), "application/x-www-form-urlencoded"));

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}");
    }

    /// <summary>A signed-in admin's browser, and the antiforgery token its pages carry.</summary>
    private async Task<(HttpClient Client, string Token)> StaffAsync(string name)
    {
        await StaffFixtures.AddAsync(app, name, ["admin"]);
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(app.BaseUrl) };
        var token = Token(await client.GetStringAsync("/signin"));
        var signedIn = await client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name, ["password"] = StaffFixtures.Password, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (client, Token(await client.GetStringAsync("/broadcasts/new")));
    }

    private static string Token(string page)
    {
        var match = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "no antiforgery token in the page");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
