using System.Net;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.AfricasTalking;

/// <summary>
/// One USSD session as Africa's Talking drives it: the same sessionId on every request and the whole input history
/// in `text`, joined by '*'. <see cref="Press"/> adds one input; <see cref="Send"/> sends a history as given.
/// Requests carry <see cref="GatewayApp.UssdCallbackToken"/> in the query unless given another query.
/// </summary>
public sealed class UssdSession(HttpClient client, string phone, string? sessionId = null, string query = UssdSession.WithToken)
{
    public const string Path = "/webhooks/ussd/africastalking";
    public const string WithToken = "?token=" + GatewayApp.UssdCallbackToken;

    public string Id { get; } = sessionId ?? "ATUid_" + Guid.NewGuid().ToString("N");
    public string History { get; private set; } = "";
    public string Phone => phone;

    /// <summary>The dial: text is empty.</summary>
    public Task<string> Dial() => Send("");

    public Task<string> Press(string input) => Send(History.Length == 0 ? input : History + "*" + input);

    /// <summary>Sends <paramref name="text"/> as the history, expects 200 text/plain, returns the body ("CON …" or "END …").</summary>
    public async Task<string> Send(string text)
    {
        var response = await Post(client, Form(text), query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(body.StartsWith("CON ") || body.StartsWith("END "), body);
        History = text;
        return body;
    }

    public Dictionary<string, string> Form(string text) => new()
    {
        ["sessionId"] = Id,
        ["serviceCode"] = "*384*123#",
        ["phoneNumber"] = phone,
        ["networkCode"] = "63902",
        ["text"] = text,
    };

    public static Task<HttpResponseMessage> Post(HttpClient client, IDictionary<string, string> form, string query = WithToken) =>
        client.PostAsync(Path + query, new FormUrlEncodedContent(form));
}
