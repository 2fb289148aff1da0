using System.Net;
using Dapper;
using Gateway.Delivery;
using Gateway.Subscriptions;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>POST /webhooks/twilio/status, signed like Twilio signs it, against rows in the real database.</summary>
public sealed class TwilioStatusEndpointsTests(TwilioGatewayApp app) : IClassFixture<TwilioGatewayApp>
{
    private const string Path = "/webhooks/twilio/status";
    private static int _sids;
    private readonly HttpClient _client = app.CreateClient();

    private static string NewSid() => $"SM{Interlocked.Increment(ref _sids):x32}";

    private static Dictionary<string, string> Form(string sid, string status, string? errorCode = null)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = sid, ["SmsSid"] = sid, ["MessageStatus"] = status, ["SmsStatus"] = status,
            ["AccountSid"] = FakeTwilio.AccountSid, ["MessagingServiceSid"] = FakeTwilio.MessagingServiceSid,
            ["From"] = "+15017122661", ["To"] = "+8613800138000", ["ApiVersion"] = "2010-04-01",
        };
        if (errorCode is not null) form["ErrorCode"] = errorCode;
        return form;
    }

    private Task<HttpResponseMessage> PostAsync(Dictionary<string, string> form, string query = "") =>
        _client.SendAsync(TwilioSigner.SignedPost(FakeTwilio.AuthToken, GatewayApp.PublicBaseUrl, Path + query, form));

    private sealed record Row(string Status, string? ProviderMessageId, string? ProviderStatus, string? ErrorCode, short Resends,
        DateTime NotBefore, DateTime StatusAt);

    private Task<Row> RowAsync(long id) => app.QuerySingleAsync<Row>(
        "SELECT status, provider_message_id, provider_status, error_code, resends, not_before, status_at FROM outbound_messages WHERE id = @id", new { id });

    private async Task<long> SentRowAsync(string? sid, string status = OutboundStatus.Sent, string phone = "+8613800138000")
    {
        var now = app.Clock.GetUtcNow();
        await using var conn = await app.OpenDatabaseAsync();
        return await conn.QuerySingleAsync<long>("""
            INSERT INTO outbound_messages (recipient, body, encoding, segments, cost, priority, kind, not_before, expires_at,
                                           status, attempts, provider, provider_message_id, created_at, status_at, sent_at)
                 VALUES (@phone, 'Stay home if you have a fever.', 'GSM-7', 1, 0.05, 2, 'broadcast', @now, @expires,
                         @status, 1, 'twilio', @sid, @now, @now, @now)
              RETURNING id
            """, new { phone, now, expires = now.AddHours(4), status, sid });
    }

    public sealed record Rejected(string Label, Func<HttpRequestMessage> Request, HttpStatusCode Status, string Reason)
    {
        public override string ToString() => Label;
    }

    private static HttpRequestMessage Signed(Dictionary<string, string> form, string query = "") =>
        TwilioSigner.SignedPost(FakeTwilio.AuthToken, GatewayApp.PublicBaseUrl, Path + query, form);

    public static TheoryData<Rejected> Rejections => new()
    {
        new("no signature", () => new HttpRequestMessage(HttpMethod.Post, Path) { Content = new FormUrlEncodedContent(Form("SM1", "delivered")) },
            HttpStatusCode.Forbidden, "missing X-Twilio-Signature"),
        new("signed with another token", () => TwilioSigner.SignedPost("not-the-token", GatewayApp.PublicBaseUrl, Path, Form("SM1", "delivered")),
            HttpStatusCode.Forbidden, "invalid X-Twilio-Signature"),
        new("our id changed after signing", () =>
        {
            var request = Signed(Form("SM1", "delivered"), "?m=1");
            request.RequestUri = new Uri(Path + "?m=2", UriKind.Relative);
            return request;
        }, HttpStatusCode.Forbidden, "invalid X-Twilio-Signature"),
        new("no MessageSid", () => Signed(Form("SM1", "delivered").Where(p => p.Key != "MessageSid").ToDictionary()),
            HttpStatusCode.BadRequest, "MessageSid: required"),
        new("no MessageStatus", () => Signed(Form("SM1", "delivered").Where(p => p.Key != "MessageStatus").ToDictionary()),
            HttpStatusCode.BadRequest, "MessageStatus: required"),
        new("a status Twilio does not have", () => Signed(Form("SM1", "bounced")), HttpStatusCode.BadRequest, "'bounced' is not a Twilio status"),
        new("our id is not a number", () => Signed(Form("SM1", "delivered"), "?m=abc"), HttpStatusCode.BadRequest, "m: must be our message id"),
        new("over 16 KiB", () => Signed(new Dictionary<string, string>(Form("SM1", "delivered")) { ["Padding"] = new string('x', 17 * 1024) }),
            HttpStatusCode.RequestEntityTooLarge, "the limit is 16384"),
    };

    [Theory, MemberData(nameof(Rejections))]
    public async Task BadCallbacks_AreRejectedWithAReason(Rejected c)
    {
        var response = await _client.SendAsync(c.Request());

        Assert.Equal(c.Status, response.StatusCode);
        Assert.Contains(c.Reason, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Delivered_MarksTheRow_AndLateOrRepeatedCallbacksChangeNothing()
    {
        var sid = NewSid();
        var id = await SentRowAsync(sid);

        var response = await PostAsync(Form(sid, "delivered"), $"?m={id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
        var delivered = await RowAsync(id);
        Assert.Equal(OutboundStatus.Delivered, delivered.Status);
        Assert.Equal("delivered", delivered.ProviderStatus);

        app.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Form(sid, "sent"), $"?m={id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Form(sid, "delivered"), $"?m={id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Form(sid, "undelivered", "30003"), $"?m={id}")).StatusCode);

        Assert.Equal(delivered, await RowAsync(id));
    }

    [Fact]
    public async Task InProgressStatuses_MoveOnlyForward_AndKeepTheRowSent()
    {
        var sid = NewSid();
        var id = await SentRowAsync(sid);

        await PostAsync(Form(sid, "sent"));
        await PostAsync(Form(sid, "queued"));

        var row = await RowAsync(id);
        Assert.Equal(OutboundStatus.Sent, row.Status);
        Assert.Equal("sent", row.ProviderStatus);
    }

    [Fact]
    public async Task Undelivered30003_IsSentAgain_AtMostTwice()
    {
        var first = NewSid();
        var id = await SentRowAsync(first);

        await PostAsync(Form(first, "undelivered", "30003"), $"?m={id}");
        var requeued = await RowAsync(id);
        Assert.Equal(OutboundStatus.Queued, requeued.Status);
        Assert.Null(requeued.ProviderMessageId);
        Assert.Equal(1, requeued.Resends);
        Assert.Equal(app.Clock.GetUtcNow().AddMinutes(2).UtcDateTime, requeued.NotBefore, TimeSpan.FromMilliseconds(1));

        foreach (var expectedResends in new[] { 2, 2 })
        {
            var again = NewSid();
            await using (var conn = await app.OpenDatabaseAsync())
                await conn.ExecuteAsync("UPDATE outbound_messages SET status = 'sent', provider_message_id = @again WHERE id = @id", new { again, id });
            await PostAsync(Form(again, "undelivered", "30003"), $"?m={id}");
            Assert.Equal(expectedResends, (await RowAsync(id)).Resends);
        }

        var final = await RowAsync(id);
        Assert.Equal(OutboundStatus.Undelivered, final.Status);
        Assert.Equal("30003", final.ErrorCode);
    }

    [Fact]
    public async Task Failed21610_OptsTheSubscriberOut()
    {
        const string phone = "+8613800138555";
        await using (var conn = await app.OpenDatabaseAsync())
            await app.Services.GetRequiredService<Subscribers>().FindOrCreateAsync(conn, null, phone, "zh", CancellationToken.None);
        var sid = NewSid();
        var id = await SentRowAsync(sid, phone: phone);

        await PostAsync(Form(sid, "failed", "21610"));

        var row = await RowAsync(id);
        Assert.Equal(OutboundStatus.Failed, row.Status);
        Assert.Equal("21610", row.ErrorCode);
        Assert.Equal(Subscriber.OptedOut, await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone }));
    }

    [Fact]
    public async Task Undelivered30005_RemembersTheNumberAsUnreachable()
    {
        const string phone = "+8613800138556";
        var sid = NewSid();
        await SentRowAsync(sid, phone: phone);

        await PostAsync(Form(sid, "undelivered", "30005"));

        Assert.Equal("unreachable", await app.QuerySingleAsync<string>("SELECT problem FROM phone_number_problems WHERE phone = @phone", new { phone }));
    }

    [Fact]
    public async Task UnknownSid_Answers200_AndIsKept_UntilItsRowIsKnown()
    {
        var sid = NewSid();

        var response = await PostAsync(Form(sid, "delivered"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM delivery_reports WHERE provider_message_id = @sid AND applied_at IS NULL", new { sid }));
        await PostAsync(Form(sid, "delivered"));
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*) FROM delivery_reports WHERE provider_message_id = @sid", new { sid }));

        // The dispatcher records the sid a moment later; reconciliation then applies the kept report.
        var id = await SentRowAsync(sid);
        await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);

        Assert.Equal(OutboundStatus.Delivered, (await RowAsync(id)).Status);
        Assert.Equal(0, await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM delivery_reports WHERE provider_message_id = @sid AND applied_at IS NULL", new { sid }));
    }

    [Fact]
    public async Task AnAmbiguousHandOff_LearnsItsSid_FromACallbackCarryingOurId()
    {
        var id = await SentRowAsync(null, OutboundStatus.Ambiguous);
        var sid = NewSid();

        await PostAsync(Form(sid, "sent"), $"?m={id}");

        var row = await RowAsync(id);
        Assert.Equal(OutboundStatus.Sent, row.Status);
        Assert.Equal(sid, row.ProviderMessageId);
    }
}
