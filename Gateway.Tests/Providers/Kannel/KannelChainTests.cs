using System.Diagnostics;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Hosting;
using Gateway.Providers.Kannel;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// The whole outbound chain with SMS_PROVIDER=kannel: queued rows, the dispatcher as it is, the Kannel provider, a real
/// Kannel 1.4.5 (bearerbox + smsbox), its fake SMSC link; and back: the fake SMSC's delivery reports through smsbox
/// to /webhooks/kannel/dlr. Tests in this class share one Kannel and run one at a time; some stop parts of it.
/// </summary>
public sealed class KannelChainTests(KannelGatewayApp app) : IClassFixture<KannelGatewayApp>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static int _numbers;

    private FakeSmsc Smsc => app.Kannel.Smsc ?? throw new InvalidOperationException("no fake SMSC client is connected");

    // Each test its own recipients: the fake SMSC sees every test's messages.
    private static string NewNumber() => $"+86138{Interlocked.Increment(ref _numbers) + 20_000_000:D8}";

    private sealed record Row(string Status, string Body, int Segments, short Attempts, string? Provider, string? ProviderMessageId,
        string? ProviderStatus, short ReportRank, string? LastError, DateTime NotBefore);

    private Task<Row> RowAsync(long id) => app.QuerySingleAsync<Row>("""
        SELECT status, body, segments, attempts, provider, provider_message_id, provider_status, report_rank, last_error, not_before
          FROM outbound_messages WHERE id = @id
        """, new { id });

    private Task<long> QueueAsync(string to, string body) =>
        app.EnqueueAsync(new OutboundMessage(to, body, MessageKinds.Broadcast, MessagePriority.Bulk));

    private async Task<IReadOnlyList<KannelCallback>> ReportsAsync(long id, params string[] types)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reports = app.Callbacks.Where(c => c.Path == KannelSmsProvider.ReportPath && c.Query["id"] == id.ToString()).ToList();
            if (types.All(t => reports.Any(r => r.Query["status"] == t))) return reports;
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
                throw new TimeoutException($"reports {string.Join(", ", types)} for message {id}: got {string.Join(", ", reports.Select(r => r.Query["status"]))}\n{app.Kannel.LogTail()}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task English_ArrivesInGsm7_AndChinese_InUcs2()
    {
        var (en, zh) = (NewNumber(), NewNumber());
        var english = await QueueAsync(en, "Wash your hands often; wear a mask in crowded places. Fever? Call 12320.");
        var chinese = await QueueAsync(zh, "请勤洗手，在人多的地方戴口罩。发烧请拨打12320。");

        var pass = await app.Dispatcher.DispatchOnceAsync(None);

        Assert.Equal(2, pass.HandedOver);
        var gsm = Assert.Single(await Smsc.WaitForAsync(en));
        var ucs2 = Assert.Single(await Smsc.WaitForAsync(zh));
        Assert.Equal(("text", LocalKannel.Sender, (await RowAsync(english)).Body), (gsm.Type, gsm.From, gsm.Text));
        Assert.Equal(("ucs-2", LocalKannel.Sender, (await RowAsync(chinese)).Body), (ucs2.Type, ucs2.From, ucs2.Text));
        foreach (var id in new[] { english, chinese })
        {
            var row = await RowAsync(id);
            Assert.Equal("kannel", row.Provider);
            Assert.Matches($"^{id}\\.[0-9a-f]{{12}}$", row.ProviderMessageId);
        }
    }

    [Theory]
    [InlineData("JOIN", false, "text")]
    [InlineData("帮助", true, "ucs-2")]
    public async Task AResidentsMessage_AtTheFakeSmsc_ReachesTheGateway_AndItsReplyArrivesBackThere(string text, bool ucs2, string replyType)
    {
        var from = NewNumber();

        if (ucs2) await Smsc.SendUcs2Async(from, LocalKannel.Sender, text);
        else await Smsc.SendTextAsync(from, LocalKannel.Sender, text);
        var mo = await CallbackAsync(KannelIncomingSms.Path, c => c.Query["from"] == from);
        await app.Dispatcher.DispatchOnceAsync(None);

        Assert.Equal(200, mo.Status);
        var stored = await app.QuerySingleAsync<(string Body, string Reply)>("SELECT body, reply FROM inbound_messages WHERE from_phone = @from", new { from });
        Assert.Equal(text, stored.Body);
        var row = await app.QuerySingleAsync<(string Body, int Segments, string Provider, string Kind)>(
            "SELECT body, segments, provider, kind FROM outbound_messages WHERE recipient = @from", new { from });
        Assert.Equal(("kannel", MessageKinds.Reply), (row.Provider, row.Kind));
        Assert.Equal(stored.Reply, row.Body);
        var parts = await Smsc.WaitForAsync(from, row.Segments);
        Assert.Equal(row.Segments, parts.Count);
        Assert.All(parts, p => Assert.Equal(LocalKannel.Sender, p.From));
        if (row.Segments == 1)
            Assert.Equal((replyType, row.Body), (parts[0].Type, parts[0].Text));
        else
            Assert.All(parts, p => Assert.Equal(row.Segments, p.Part!.Value.Total));
        if (replyType == "ucs-2" && row.Segments > 1)
            Assert.Equal(row.Body, System.Text.Encoding.BigEndianUnicode.GetString(parts.SelectMany(p => p.Payload).ToArray()));
    }

    private async Task<KannelCallback> CallbackAsync(string path, Func<KannelCallback, bool> which)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (app.Callbacks.FirstOrDefault(c => c.Path == path && which(c)) is { } found) return found;
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
                throw new TimeoutException($"no call to {path} from Kannel\n{app.Kannel.LogTail()}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task LongChinese_ArrivesInAsManyPartsAsItCosts()
    {
        var to = NewNumber();
        var id = await QueueAsync(to, string.Concat(Enumerable.Repeat("居家期间请保持规律作息，每天开窗通风两次，每次十分钟。", 7)));
        var row = await RowAsync(id);
        Assert.Equal(3, row.Segments);

        await app.Dispatcher.DispatchOnceAsync(None);

        var parts = await Smsc.WaitForAsync(to, row.Segments);
        Assert.Equal(row.Segments, parts.Count);
        Assert.All(parts, p => Assert.Equal((parts[0].Part!.Value.Reference, row.Segments), (p.Part!.Value.Reference, p.Part.Value.Total)));
        Assert.Equal(Enumerable.Range(1, row.Segments), parts.Select(p => p.Part!.Value.Sequence));
        Assert.Equal(row.Body, System.Text.Encoding.BigEndianUnicode.GetString(parts.SelectMany(p => p.Payload).ToArray()));
    }

    [Fact]
    public async Task ReportsOfTypes8And1_ReachTheGateway_AndTheMessageIsDelivered()
    {
        var id = await QueueAsync(NewNumber(), "Your lesson 3 is ready: reply NEXT.");

        await app.Dispatcher.DispatchOnceAsync(None);
        var reports = await ReportsAsync(id, "8", "1");
        // A report that came before the dispatcher recorded the hand-off waits for reconciliation to apply it.
        await app.Reconcile.ReconcileOnceAsync(None);

        Assert.All(reports, r => Assert.Equal(204, r.Status));
        var row = await RowAsync(id);
        Assert.Equal((OutboundStatus.Delivered, "1", (short)5), (row.Status, row.ProviderStatus, row.ReportRank));
    }

    [Fact]
    public async Task SmscLinkDown_KannelQueuesTheMessage_AndSendsItWhenTheLinkIsBack()
    {
        var to = NewNumber();
        await app.Kannel.DisconnectSmscAsync();
        long id;
        try
        {
            id = await QueueAsync(to, "Daily tip: drink warm water and rest well.");
            var pass = await app.Dispatcher.DispatchOnceAsync(None);

            // "3: Queued for later delivery": Kannel has it; sending it again would send it twice.
            Assert.Equal(1, pass.HandedOver);
            Assert.Equal(OutboundStatus.Sent, (await RowAsync(id)).Status);
        }
        finally
        {
            await app.Kannel.ConnectSmscAsync();
        }

        Assert.Single(await Smsc.WaitForAsync(to));
        await ReportsAsync(id, "1");
        await app.Reconcile.ReconcileOnceAsync(None);
        Assert.Equal(OutboundStatus.Delivered, (await RowAsync(id)).Status);
    }

    [Fact]
    public async Task KannelStopped_MessagesWaitToBeSentAgain_AndGoOutWhenItIsBack()
    {
        var (en, zh) = (NewNumber(), NewNumber());
        long english, chinese;
        await app.Kannel.StopAsync();
        try
        {
            english = await QueueAsync(en, "Clinics are open 8:00-17:00 this week.");
            chinese = await QueueAsync(zh, "本周社区诊所开放时间为8:00至17:00。");

            var pass = await app.Dispatcher.DispatchOnceAsync(None);

            Assert.Equal(2, pass.HandedOver);
            foreach (var id in new[] { english, chinese })
            {
                var row = await RowAsync(id);
                Assert.Equal((OutboundStatus.Queued, (short)1), (row.Status, row.Attempts));
                Assert.StartsWith("Kannel unreachable", row.LastError);
                Assert.True(row.NotBefore > app.Clock.GetUtcNow().UtcDateTime, "a retry waits for its backoff");
            }
        }
        finally
        {
            await app.Kannel.StartAgainAsync();
        }

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.Dispatcher.DispatchOnceAsync(None);

        Assert.Single(await Smsc.WaitForAsync(en));
        Assert.Single(await Smsc.WaitForAsync(zh));
        foreach (var id in new[] { english, chinese })
        {
            var row = await RowAsync(id);
            Assert.Contains(row.Status, new[] { OutboundStatus.Sent, OutboundStatus.Delivered });
            Assert.Equal(2, row.Attempts);
        }
    }

    [Fact]
    public async Task SmsboxSilent_TheHandOffIsAmbiguous_AndTheMessageGoesOutExactlyOnce()
    {
        var to = NewNumber();
        long id;
        app.Kannel.PauseSmsbox();
        try
        {
            id = await QueueAsync(to, "Counselling line: reply TALK to reach a person.");
            await app.Dispatcher.DispatchOnceAsync(None);

            var row = await RowAsync(id);
            Assert.Equal(OutboundStatus.Ambiguous, row.Status);
            Assert.StartsWith("no answer from Kannel in time", row.LastError);
        }
        finally
        {
            app.Kannel.ResumeSmsbox();
        }

        // smsbox may still take the request it held when it froze: then its reports settle the row (they carry our
        // id); if it dropped it, reconciliation finds no report after its grace and sends the message once more.
        await WaitBrieflyForAsync(() => Smsc.ReceivedBy(to).Count > 0);
        if (Smsc.ReceivedBy(to).Count > 0) await ReportsAsync(id, "8", "1");
        app.Clock.Advance(ReconcileDeliveries.Grace + TimeSpan.FromSeconds(1));
        await app.Reconcile.ReconcileOnceAsync(None);
        await app.Dispatcher.DispatchOnceAsync(None);
        await Smsc.WaitForAsync(to);
        await ReportsAsync(id, "1");
        await app.Reconcile.ReconcileOnceAsync(None);

        await Task.Delay(300);
        Assert.Single(Smsc.ReceivedBy(to));
        Assert.Equal(OutboundStatus.Delivered, (await RowAsync(id)).Status);
    }

    public sealed record Answer(string Label, string To, string Password, Type Outcome, string? Code, string Reason)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Answer> Answers => new()
    {
        new("0: Accepted for delivery", "+8613800138000", LocalKannel.Password, typeof(SendOutcome.Accepted), null, ""),
        new("403 Authorization failed", "+8613800138000", "not-the-password", typeof(SendOutcome.RetryLater), "kannel 403", "check KANNEL_USERNAME and KANNEL_PASSWORD"),
        new("403 Not routable", LocalKannel.NotRoutablePrefix + "12345678", LocalKannel.Password, typeof(SendOutcome.Failed), "kannel 403", "Not routable. Do not try again."),
        new("400 black-listed", LocalKannel.BlackListedPrefix + "12345678", LocalKannel.Password, typeof(SendOutcome.Failed), "kannel 400", "has/have been denied"),
    };

    [Theory, MemberData(nameof(Answers))]
    public async Task KannelsAnswer_BecomesTheGatewaysOutcome(Answer c)
    {
        var provider = Provider(c.Password);

        var outcome = await provider.SendAsync(new OutgoingSms(1, c.To, "Stay home if you have a fever.", SmsEncoding.Gsm7, 1), None);

        Assert.IsType(c.Outcome, outcome);
        switch (outcome)
        {
            case SendOutcome.RetryLater r:
                Assert.Equal(c.Code, r.Code);
                Assert.Contains(c.Reason, r.Reason);
                break;
            case SendOutcome.Failed f:
                Assert.Equal(c.Code, f.Code);
                Assert.Contains(c.Reason, f.Reason);
                break;
            case SendOutcome.Accepted a:
                Assert.StartsWith("1.", a.ProviderMessageId);
                break;
        }
    }

    [Fact]
    public async Task Unreachable_IsRetryLater()
    {
        var provider = Provider(LocalKannel.Password, sendSmsUrl: $"http://127.0.0.1:{LocalKannel.FreePorts(1)[0]}/cgi-bin/sendsms");

        var outcome = await provider.SendAsync(new OutgoingSms(1, "+8613800138000", "x", SmsEncoding.Gsm7, 1), None);

        Assert.StartsWith("Kannel unreachable", Assert.IsType<SendOutcome.RetryLater>(outcome).Reason);
    }

    private KannelSmsProvider Provider(string password, string? sendSmsUrl = null) => new(
        app.Services.GetRequiredService<IHttpClientFactory>(),
        Options.Create(new KannelOptions
        {
            SendSmsUrl = sendSmsUrl ?? app.Kannel.SendSmsUrl.ToString(), Username = LocalKannel.Username, Password = password,
            From = LocalKannel.Sender, CallbackToken = KannelGatewayApp.CallbackToken,
        }),
        app.Services.GetRequiredService<IOptions<GatewayOptions>>(),
        app.Services.GetRequiredService<NpgsqlDataSource>(),
        app.Clock,
        NullLogger<KannelSmsProvider>.Instance);

    private static async Task WaitBrieflyForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(1)) await Task.Delay(20);
    }
}
