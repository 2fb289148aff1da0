using System.Net;
using Dapper;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Providers.Kannel;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>The gateway with KANNEL_CALLBACK_TOKEN set; no Kannel runs: these tests call the report endpoint as smsbox does.</summary>
public sealed class KannelReportsApp : GatewayApp
{
    public const string Token = "report-token-0123456789abcdef";

    protected override void Configure(Dictionary<string, string?> settings) => settings["KANNEL_CALLBACK_TOKEN"] = Token;
}

/// <summary>
/// GET /webhooks/kannel/dlr with Kannel's documented fields (%d type, %A the SMSC's answer, %T Unix time), for every
/// report type, in every order, against rows in the real database. The fake SMSC only ever reports 8 and 1: the
/// chain tests (<see cref="KannelChainTests"/>) show those arriving from a real Kannel.
/// </summary>
public sealed class KannelReportEndpointsTests(KannelReportsApp app) : IClassFixture<KannelReportsApp>
{
    private const string Ref = "a1b2c3d4e5f6";
    private readonly HttpClient _client = app.CreateClient();

    private static string Url(long id, string type, string answer = "", string token = KannelReportsApp.Token, string handOff = Ref) =>
        $"{KannelSmsProvider.ReportPath}?token={token}&id={id}&ref={handOff}&status={type}&answer={Uri.EscapeDataString(answer)}&ts=1796225253";

    private sealed record Row(string Status, string? ProviderMessageId, string? ProviderStatus, short ReportRank, string? ErrorCode);

    private Task<Row> RowAsync(long id) => app.QuerySingleAsync<Row>(
        "SELECT status, provider_message_id, provider_status, report_rank, error_code FROM outbound_messages WHERE id = @id", new { id });

    /// <summary>A row handed to Kannel: its provider id is "&lt;id&gt;.&lt;ref&gt;", as the provider recorded it (null while in doubt).</summary>
    private async Task<long> HandedOverAsync(string status = OutboundStatus.Sent, string handOff = Ref)
    {
        var now = app.Clock.GetUtcNow();
        await using var conn = await app.OpenDatabaseAsync();
        var id = await conn.QuerySingleAsync<long>("""
            INSERT INTO outbound_messages (recipient, body, encoding, segments, cost, priority, kind, not_before, expires_at,
                                           status, attempts, provider, created_at, status_at, sent_at)
                 VALUES ('+8613800138000', '请勤洗手。', 'UCS-2', 1, 0.05, 2, 'broadcast', @now, @expires,
                         @status, 1, 'kannel', @now, @now, @now)
              RETURNING id
            """, new { now, expires = now.AddHours(4), status });
        if (status != OutboundStatus.Ambiguous)
            await conn.ExecuteAsync("UPDATE outbound_messages SET provider_message_id = @pmid WHERE id = @id", new { id, pmid = $"{id}.{handOff}" });
        return id;
    }

    private Task<long> KeptReportsAsync() => app.QuerySingleAsync<long>("SELECT count(*) FROM delivery_reports");

    public sealed record Sequence(string Label, (string Type, string Answer)[] Reports, string Status, string ProviderStatus, short Rank, string? ErrorCode = null)
    {
        public override string ToString() => Label;
    }

    private const string Receipt = "id:0a1b2c sub:001 dlvrd:000 submit date:2612021527 done date:2612021528 stat:UNDELIV err:001 text:请勤洗手";

    public static TheoryData<Sequence> Sequences => new()
    {
        new("8 then 1", [("8", "ACK/"), ("1", "")], OutboundStatus.Delivered, "1", 5),
        new("1 then 8: a late 8 is stale", [("1", ""), ("8", "ACK/")], OutboundStatus.Delivered, "1", 5),
        new("1 twice", [("1", ""), ("1", "")], OutboundStatus.Delivered, "1", 5),
        new("8, then 4 buffered at the SMSC", [("8", "ACK/"), ("4", "")], OutboundStatus.Sent, "4", 3),
        new("4 then 8: still buffered", [("4", ""), ("8", "ACK/")], OutboundStatus.Sent, "4", 3),
        new("8, then 2 undelivered with the receipt's error", [("8", "ACK/"), ("2", Receipt)], OutboundStatus.Undelivered, "2", 4, "err 001"),
        // The error stays on the row, as with Twilio's reports: it says why the first report was "undelivered".
        new("2, then a late 1: delivered wins", [("2", Receipt), ("1", "")], OutboundStatus.Delivered, "1", 5, "err 001"),
        new("1, then a late 2: delivered stays", [("1", ""), ("2", Receipt)], OutboundStatus.Delivered, "1", 5),
        new("16 rejected by the SMSC, with its NACK", [("16", "NACK/0x00000045/Submit failed")], OutboundStatus.Failed, "16", 4, "smpp 0x00000045"),
        new("34 expired (0x20 with the failure bit)", [("34", "")], OutboundStatus.Undelivered, "34", 4),
    };

    [Theory, MemberData(nameof(Sequences))]
    public async Task Reports_MoveTheMessageForwardOnly(Sequence c)
    {
        var id = await HandedOverAsync();

        foreach (var (type, answer) in c.Reports)
            Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync(Url(id, type, answer))).StatusCode);

        Assert.Equal(new Row(c.Status, $"{id}.{Ref}", c.ProviderStatus, c.Rank, c.ErrorCode), await RowAsync(id));
    }

    [Fact]
    public async Task AReportSettlesAnAmbiguousHandOff_ByTheIdInItsUrl()
    {
        var id = await HandedOverAsync(OutboundStatus.Ambiguous);

        await _client.GetAsync(Url(id, "8", "ACK/"));

        Assert.Equal(new Row(OutboundStatus.Sent, $"{id}.{Ref}", "8", 2, null), await RowAsync(id));
    }

    [Fact]
    public async Task AReportOfAnEarlierHandOff_DoesNotSettleTheLaterOne()
    {
        var id = await HandedOverAsync(handOff: "later0000000");
        var kept = await KeptReportsAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync(Url(id, "2", Receipt, handOff: "earlier00000"))).StatusCode);

        Assert.Equal(new Row(OutboundStatus.Sent, $"{id}.later0000000", null, 0, null), await RowAsync(id));
        Assert.Equal(kept + 1, await KeptReportsAsync());
    }

    [Fact]
    public async Task AReportThatCameWhileTheRowWasBeingRecorded_TellsReconciliationKannelHasTheMessage()
    {
        var id = await HandedOverAsync(OutboundStatus.Ambiguous);
        await app.QuerySingleAsync<int>("UPDATE outbound_messages SET status = 'sending' WHERE id = @id RETURNING 1", new { id });
        await _client.GetAsync(Url(id, "8", "ACK/"));
        await app.QuerySingleAsync<int>("UPDATE outbound_messages SET status = 'ambiguous' WHERE id = @id RETURNING 1", new { id });
        var provider = app.Services.GetRequiredService<KannelSmsProvider>();
        var sms = new OutgoingSms(id, "+8613800138000", "请勤洗手。", SmsEncoding.Ucs2, 1);

        var found = await provider.FindAsync(sms, app.Clock.GetUtcNow().AddMinutes(-1), CancellationToken.None);
        var other = await provider.FindAsync(sms with { MessageId = id + 1_000_000 }, app.Clock.GetUtcNow().AddMinutes(-1), CancellationToken.None);

        Assert.Equal(new LookupOutcome.Found($"{id}.{Ref}"), found);
        Assert.IsType<LookupOutcome.NotFound>(other);
    }

    public sealed record Rejected(string Label, string Url, HttpStatusCode Status, string Reason)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Rejected> Rejections => new()
    {
        new("no token", Url(1, "1").Replace($"token={KannelReportsApp.Token}&", ""), HttpStatusCode.Forbidden, "missing the callback token"),
        new("another token", Url(1, "1", token: "another-token-0123456789abcdef"), HttpStatusCode.Forbidden, "wrong callback token"),
        new("the token, cut short", Url(1, "1", token: KannelReportsApp.Token[..20]), HttpStatusCode.Forbidden, "wrong callback token"),
        new("no id", Url(1, "1").Replace("&id=1", ""), HttpStatusCode.BadRequest, "id: must be our message id"),
        new("id not a number", Url(1, "1").Replace("&id=1", "&id=abc"), HttpStatusCode.BadRequest, "id: must be our message id"),
        new("no ref", Url(1, "1").Replace($"&ref={Ref}", ""), HttpStatusCode.BadRequest, "ref: must be the hand-off ref"),
        new("Kannel's type left as %d", Url(1, "%25d"), HttpStatusCode.BadRequest, "status: '%d' must be Kannel's report type"),
        new("type 0", Url(1, "0"), HttpStatusCode.BadRequest, "status: '0' must be"),
        new("type with no report bit", Url(1, "64"), HttpStatusCode.BadRequest, "status: 64 carries none of Kannel's report types"),
        new("ts not a number", Url(1, "1").Replace("ts=1796225253", "ts=yesterday"), HttpStatusCode.BadRequest, "ts: 'yesterday' must be Unix time"),
        new("an answer of 2 KB", Url(1, "2", new string('x', 2048)), HttpStatusCode.BadRequest, "answer: at most 1024 characters"),
    };

    [Theory, MemberData(nameof(Rejections))]
    public async Task BadReports_AreRefusedWithAReason_AndChangeNothing(Rejected c)
    {
        var id = await HandedOverAsync();
        var kept = await KeptReportsAsync();

        var response = await _client.GetAsync(c.Url.Replace("&id=1&", $"&id={id}&"));

        Assert.Equal(c.Status, response.StatusCode);
        Assert.Contains(c.Reason, await response.Content.ReadAsStringAsync());
        Assert.Equal(new Row(OutboundStatus.Sent, $"{id}.{Ref}", null, 0, null), await RowAsync(id));
        Assert.Equal(kept, await KeptReportsAsync());
    }

    [Fact]
    public async Task WithoutAConfiguredToken_EveryReportIsRefused()
    {
        await using var unset = app.WithWebHostBuilder(b => b.UseSetting("KANNEL_CALLBACK_TOKEN", ""));
        var id = await HandedOverAsync();

        var response = await unset.CreateClient().GetAsync(Url(id, "1", token: ""));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("KANNEL_CALLBACK_TOKEN is not set", await response.Content.ReadAsStringAsync());
        Assert.Equal(OutboundStatus.Sent, (await RowAsync(id)).Status);
    }
}
