using System.Net;
using System.Text;
using System.Web;
using Gateway.Delivery;
using Gateway.Providers.Kannel;
using Gateway.Tests.Support;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// The gateway with two routes, +86 through Kannel and every other number through the simulator; no Kannel runs: the
/// tests call the sms-service URL as smsbox does (the chain tests have a real Kannel call it).
/// </summary>
public sealed class KannelRoutesApp : GatewayApp
{
    public const string Token = "mo-token-0123456789abcdef";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["SMS_ROUTES"] = "+86:kannel,*:simulator";
        settings["KANNEL_SENDSMS_URL"] = "http://127.0.0.1:9/cgi-bin/sendsms";
        settings["KANNEL_USERNAME"] = "gateway";
        settings["KANNEL_PASSWORD"] = "secret";
        settings["KANNEL_FROM"] = "12356";
        settings["KANNEL_CALLBACK_TOKEN"] = Token;
        settings["KANNEL_PRICE_PER_SEGMENT"] = "0.01";
        settings["SMS_PRICE_PER_SEGMENT"] = "0.05";
    }
}

/// <summary>
/// GET /webhooks/kannel/sms with the contract's parameters: the message goes through the inbound pipeline, the answer
/// is an empty 200, and the reply is queued to go back through Kannel; a repeated request is one message with one reply.
/// With the database down it is spooled like Twilio's: Inbound/InboundSpoolTests.
/// </summary>
public sealed class KannelSmsEndpointsTests(KannelRoutesApp app) : IClassFixture<KannelRoutesApp>
{
    private readonly HttpClient _client = app.CreateClient();
    private static int _numbers;

    private static string NewNumber(string prefix = "+86138") => $"{prefix}{Interlocked.Increment(ref _numbers) + 30_000_000:D8}";

    private static string Url(string from, string text, string id, string token = KannelRoutesApp.Token, string coding = "0", string charset = "UTF-8") =>
        $"{KannelIncomingSms.Path}?token={token}&from={HttpUtility.UrlEncode(from)}&to=12356&text={text}&ts=1796230455&id={id}&coding={coding}&charset={charset}";

    private static string Utf8(string text) => HttpUtility.UrlEncode(text, Encoding.UTF8);

    private sealed record Reply(string Recipient, string Kind, short Priority, string Provider, int Segments, decimal Cost, string Status);

    private Task<IReadOnlyList<Reply>> RepliesToAsync(string to) => app.QueryAsync<Reply>(
        "SELECT recipient, kind, priority, provider, segments, cost, status FROM outbound_messages WHERE recipient = @to ORDER BY id", new { to });

    private Task<long> InboundFromAsync(string from) =>
        app.QuerySingleAsync<long>("SELECT count(*) FROM inbound_messages WHERE from_phone = @from", new { from });

    [Fact]
    public async Task AResidentsMessage_IsHandled_AndItsReplyIsQueuedForKannel_WithAnEmptyAnswer()
    {
        var from = NewNumber();

        using var response = await _client.GetAsync(Url(from, Utf8("JOIN"), Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        var stored = await app.QuerySingleAsync<(string Provider, string Intent, string Reply)>(
            "SELECT provider, intent, reply FROM inbound_messages WHERE from_phone = @from", new { from });
        Assert.Equal(("kannel", "opt_in"), (stored.Provider, stored.Intent));
        var reply = Assert.Single(await RepliesToAsync(from));
        Assert.Equal((MessageKinds.Reply, (short)MessagePriority.Critical, "kannel", OutboundStatus.Queued), (reply.Kind, reply.Priority, reply.Provider, reply.Status));
        Assert.Equal(reply.Segments * 0.01m, reply.Cost);
    }

    [Fact]
    public async Task TheSameRequestTwice_IsOneMessage_WithOneReply()
    {
        var from = NewNumber();
        var id = Guid.NewGuid().ToString();

        using var first = await _client.GetAsync(Url(from, Utf8("HELP"), id));
        // Another web process: nothing remembered in memory, so the stored message is what finds the retry.
        using var second = await app.AnotherProcess().CreateClient().GetAsync(Url(from, Utf8("HELP"), id));
        using var third = await _client.GetAsync(Url(from, Utf8("HELP"), id));

        Assert.All(new[] { first, second, third }, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, await InboundFromAsync(from));
        Assert.Single(await RepliesToAsync(from));
        // Kannel's %I is unique per SMSC, not across senders: the same id from another number is another message.
        var other = NewNumber();
        using var fourth = await _client.GetAsync(Url(other, Utf8("HELP"), id));
        Assert.Equal(1, await InboundFromAsync(other));
    }

    [Fact]
    public async Task StopInUcs2WithoutMoRecode_OptsOut_AndItsConfirmationIsTheOneMessageSentAfter()
    {
        var from = NewNumber();
        await _client.GetAsync(Url(from, Utf8("JOIN"), Guid.NewGuid().ToString()));
        var stop = HttpUtility.UrlEncode(Encoding.BigEndianUnicode.GetBytes("退订"));

        using var response = await _client.GetAsync(Url(from, stop, Guid.NewGuid().ToString(), coding: "2", charset: "UTF-16BE"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @from", new { from }));
        Assert.Equal([MessageKinds.Reply, MessageKinds.OptOutConfirmation], (await RepliesToAsync(from)).Select(r => r.Kind));
    }

    [Fact]
    public async Task AReply_GoesBackThroughKannel_EvenToANumberAnotherRouteWouldTake()
    {
        const string from = "+85291234567";   // Hong Kong: the default route (the simulator) would take it

        using var response = await _client.GetAsync(Url(from, Utf8("HELP"), Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("kannel", Assert.Single(await RepliesToAsync(from)).Provider);
    }

    [Theory]
    [InlineData("")]
    [InlineData("another-token-0123456789")]
    public async Task WithoutTheToken_403AndNothingIsStored(string token)
    {
        var from = NewNumber();

        using var response = await _client.GetAsync(Url(from, Utf8("STOP"), Guid.NewGuid().ToString(), token));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await InboundFromAsync(from));
        Assert.Empty(await RepliesToAsync(from));
        Assert.Equal(0, await app.QuerySingleAsync<long>("SELECT count(*) FROM subscribers WHERE phone = @from", new { from }));
    }

    [Fact]
    public async Task ARequestKannelWouldNotMake_Is400()
    {
        using var response = await _client.GetAsync(Url("not a number", Utf8("JOIN"), Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
