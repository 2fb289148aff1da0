using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Gateway.Tests.Support;

/// <summary>The gateway with TWILIO_AUTH_TOKEN set, so its Twilio webhook accepts requests signed with <see cref="TwilioSms.AuthToken"/>.</summary>
public class TwilioWebhookApp : GatewayApp
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["TWILIO_AUTH_TOKEN"] = TwilioSms.AuthToken;
}

/// <summary>Sends SMS to the gateway the way Twilio does: every parameter of a real webhook (protocols.md §1), signed.
/// <paramref name="app"/> is a GatewayApp, or a second web process on its database (<see cref="GatewayApp.AnotherProcess"/>).</summary>
public sealed class TwilioSms(WebApplicationFactory<Program> app)
{
    public const string AuthToken = "12345";
    public const string Path = "/webhooks/twilio/sms";
    public const string OurNumber = "+15017122661";

    private static int _sequence;

    public static string NewMessageSid() => "SM" + Interlocked.Increment(ref _sequence).ToString("x32");

    /// <summary>The full parameter set Twilio posts for an SMS from a Chinese number.</summary>
    public static Dictionary<string, string> Form(string from, string body, string? messageSid = null)
    {
        var sid = messageSid ?? NewMessageSid();
        return new Dictionary<string, string>
        {
            ["ToCountry"] = "US", ["ToState"] = "CA", ["SmsMessageSid"] = sid, ["NumMedia"] = "0", ["ToCity"] = "", ["FromZip"] = "",
            ["SmsSid"] = sid, ["FromState"] = "", ["SmsStatus"] = "received", ["FromCity"] = "", ["Body"] = body, ["FromCountry"] = "CN",
            ["To"] = OurNumber, ["MessagingServiceSid"] = "MG1234567890abcdef1234567890abcdef", ["ToZip"] = "", ["NumSegments"] = "1",
            ["MessageSid"] = sid, ["AccountSid"] = "AC1234567890abcdef1234567890abcdef", ["From"] = from, ["ApiVersion"] = "2010-04-01",
        };
    }

    /// <summary>Where a retry of Twilio's lands: the same web process (answered from its memory) or another one
    /// on the same database (answered from the stored message).</summary>
    public static TwilioSms To(GatewayApp app, bool anotherProcess) => new(anotherProcess ? app.AnotherProcess() : app);

    public Task<HttpResponseMessage> PostAsync(IEnumerable<KeyValuePair<string, string>> form) =>
        app.CreateClient().SendAsync(TwilioSigner.SignedPost(AuthToken, GatewayApp.PublicBaseUrl, Path, form));

    /// <summary>Posts a signed SMS; returns the reply text, or null for an empty &lt;Response/&gt;.</summary>
    public async Task<string?> SendAsync(string from, string body, string? messageSid = null)
    {
        var response = await PostAsync(Form(from, body, messageSid));
        var xml = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {xml}");
        return ReplyIn(xml);
    }

    /// <summary>The text of the TwiML's &lt;Message&gt;, or null when the Response is empty.</summary>
    public static string? ReplyIn(string twiml)
    {
        var root = XDocument.Parse(twiml).Root!;
        Assert.Equal("Response", root.Name.LocalName);
        var messages = root.Elements("Message").ToList();
        Assert.True(messages.Count <= 1, $"at most one reply expected: {twiml}");
        return messages.Count == 0 ? null : messages[0].Value;
    }
}
