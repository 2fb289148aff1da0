using Dapper;
using Gateway.Delivery;
using Gateway.Subscriptions;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Delivery;

/// <summary>The dispatcher against a fake Twilio that answers as scripted, over the real database and the real SDK.</summary>
public sealed class DispatcherTests(TwilioGatewayApp app) : IClassFixture<TwilioGatewayApp>
{
    private static int _numbers;

    private static string NewPhone() => $"+86138001{Interlocked.Increment(ref _numbers):D5}";

    private sealed record Row(long Id, string Status, string? ErrorCode, string? ProviderMessageId, short Attempts, short Resends,
        DateTime NotBefore, string? Note, string Encoding, int Segments, decimal Cost);

    private Task<Row> RowAsync(long id) => app.QuerySingleAsync<Row>(
        "SELECT id, status, error_code, provider_message_id, attempts, resends, not_before, note, encoding, segments, cost FROM outbound_messages WHERE id = @id", new { id });

    private async Task<Subscriber> SubscriberAsync(string phone)
    {
        await using var conn = await app.OpenDatabaseAsync();
        return await app.Services.GetRequiredService<Subscribers>().FindOrCreateAsync(conn, null, phone, "zh", CancellationToken.None);
    }

    private Task<long> QueueAsync(string phone, string body = "Wear a mask in crowded places.", string kind = MessageKinds.Broadcast,
        MessagePriority priority = MessagePriority.Bulk, DateTimeOffset? expiresAt = null) =>
        app.EnqueueAsync(new OutboundMessage(phone, body, kind, priority) { ExpiresAt = expiresAt });

    private Task<DispatchPass> DispatchAsync(int? limit = null) => app.Dispatcher.DispatchOnceAsync(CancellationToken.None, limit);

    public sealed record Case(string Label, FakeReply Reply, string Status, string? ErrorCode,
        bool SubscriberOptedOut = false, string? NumberProblem = null)
    {
        public override string ToString() => Label;
    }

    // protocols.md §2.4: what each answer of Twilio's create call does to the row, the subscriber and the number.
    public static TheoryData<Case> Outcomes => new()
    {
        new("201: sent, with Twilio's sid", FakeReply.Accept, OutboundStatus.Sent, null),
        new("400 21610: opted out at the carrier, subscriber opted out", FakeReply.OptedOut, OutboundStatus.SkippedOptedOut, "21610", SubscriberOptedOut: true),
        new("400 21211: invalid number, remembered", FakeReply.InvalidNumber, OutboundStatus.SkippedInvalidNumber, "21211", NumberProblem: "invalid"),
        new("400 21614: not a mobile, remembered", FakeReply.NotMobile, OutboundStatus.SkippedInvalidNumber, "21614", NumberProblem: "not_mobile"),
        new("429 20429: queued again for later", FakeReply.Throttle, OutboundStatus.Queued, "20429"),
        new("500: ambiguous, not resent", FakeReply.ServerError, OutboundStatus.Ambiguous, "500"),
        new("accepted then stalled past the timeout: ambiguous", FakeReply.Stall, OutboundStatus.Ambiguous, null),
    };

    [Theory, MemberData(nameof(Outcomes))]
    public async Task CreateAnswer_DecidesTheOutcome(Case c)
    {
        var phone = NewPhone();
        await SubscriberAsync(phone);
        app.Twilio.Script(phone, c.Reply);
        var id = await QueueAsync(phone);

        await DispatchAsync();

        var row = await RowAsync(id);
        Assert.Equal(c.Status, row.Status);
        Assert.Equal(c.ErrorCode, row.ErrorCode);
        Assert.Equal(1, row.Attempts);
        Assert.Single(app.Twilio.RequestsTo(phone));
        if (c.Status == OutboundStatus.Sent)
            Assert.Equal(app.Twilio.RequestsTo(phone)[0].Sid, row.ProviderMessageId);
        var subscriberStatus = await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = @phone", new { phone });
        Assert.Equal(c.SubscriberOptedOut ? Subscriber.OptedOut : Subscriber.Active, subscriberStatus);
        var problem = (await app.QueryAsync<string>("SELECT problem FROM phone_number_problems WHERE phone = @phone", new { phone })).SingleOrDefault();
        Assert.Equal(c.NumberProblem, problem);

        // Whatever happened, one more pass sends nothing new to this number: nothing is resent blindly.
        await DispatchAsync();
        Assert.Single(app.Twilio.RequestsTo(phone));
    }

    [Fact]
    public async Task Request_CarriesTheMessagingService_StatusCallbackWithOurId_AndTheRemainingValidity()
    {
        var phone = NewPhone();
        var id = await QueueAsync(phone, expiresAt: app.Clock.GetUtcNow().AddHours(1));

        await DispatchAsync();

        var request = Assert.Single(app.Twilio.RequestsTo(phone));
        Assert.Equal(FakeTwilio.MessagingServiceSid, request.MessagingServiceSid);
        Assert.Null(request.From);
        Assert.Equal($"{GatewayApp.PublicBaseUrl}/webhooks/twilio/status?m={id}", request.StatusCallback);
        Assert.Equal("3600", request.ValidityPeriod);
        Assert.Equal(FakeTwilio.AccountSid, request.AccountSid);
    }

    [Fact]
    public async Task Throttled_HonoursRetryAfter_ThenSends()
    {
        var phone = NewPhone();
        app.Twilio.Script(phone, FakeReply.Throttle);
        var id = await QueueAsync(phone);

        await DispatchAsync();
        var throttled = await RowAsync(id);
        Assert.Equal(OutboundStatus.Queued, throttled.Status);
        var wait = new DateTimeOffset(throttled.NotBefore, TimeSpan.Zero) - app.Clock.GetUtcNow();
        Assert.InRange(wait, app.Twilio.RetryAfter, app.Twilio.RetryAfter + TimeSpan.FromSeconds(1));

        await DispatchAsync();
        Assert.Single(app.Twilio.RequestsTo(phone));

        app.Clock.Advance(app.Twilio.RetryAfter + TimeSpan.FromSeconds(1));
        await DispatchAsync();
        var sent = await RowAsync(id);
        Assert.Equal(OutboundStatus.Sent, sent.Status);
        Assert.Equal(2, sent.Attempts);
        Assert.Equal(2, app.Twilio.RequestsTo(phone).Count);
    }

    [Fact]
    public async Task OptedOutAfterQueueing_IsNeverSent_ButTheOptOutConfirmationIs()
    {
        var phone = NewPhone();
        var subscriber = await SubscriberAsync(phone);
        var broadcast = await QueueAsync(phone);
        await using (var conn = await app.OpenDatabaseAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await app.Services.GetRequiredService<ChangeConsent>().ApplyAsync(conn, tx, ConsentRule.StopEverything(subscriber, "STOP", ConsentChannel.Sms), CancellationToken.None);
            await tx.CommitAsync();
        }
        var confirmation = await QueueAsync(phone, "You will get no more messages. Reply START to rejoin.", MessageKinds.OptOutConfirmation, MessagePriority.Critical);

        await DispatchAsync();

        Assert.Equal(OutboundStatus.SkippedOptedOut, (await RowAsync(broadcast)).Status);
        Assert.Equal(OutboundStatus.Sent, (await RowAsync(confirmation)).Status);
        Assert.Equal("You will get no more messages. Reply START to rejoin.", Assert.Single(app.Twilio.RequestsTo(phone)).Body);
    }

    [Fact]
    public async Task PastItsValidity_IsMarkedExpired_AndNeverSent()
    {
        var phone = NewPhone();
        var id = await QueueAsync(phone, expiresAt: app.Clock.GetUtcNow().AddMinutes(1));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await DispatchAsync();

        Assert.Equal(OutboundStatus.Expired, (await RowAsync(id)).Status);
        Assert.Empty(app.Twilio.RequestsTo(phone));
    }

    [Fact]
    public async Task KnownBadNumber_IsSkipped_WithoutAskingTwilio()
    {
        var phone = NewPhone();
        app.Twilio.Script(phone, FakeReply.InvalidNumber);
        await QueueAsync(phone);
        await DispatchAsync();

        var later = await QueueAsync(phone, "Second message");
        await DispatchAsync();

        Assert.Equal(OutboundStatus.SkippedInvalidNumber, (await RowAsync(later)).Status);
        Assert.Single(app.Twilio.RequestsTo(phone));
    }

    [Fact]
    public async Task CriticalMessages_AreClaimedBeforeBulk_QueuedEarlier()
    {
        var phone = NewPhone();
        var bulk = new List<long>();
        for (var i = 0; i < 3; i++) bulk.Add(await QueueAsync(phone, $"Broadcast part {i}"));
        var reply = await QueueAsync(phone, "Reply to your STOP", MessageKinds.Reply, MessagePriority.Critical);
        var lesson = await QueueAsync(phone, "Lesson 2", MessageKinds.Lesson, MessagePriority.Normal);

        await DispatchAsync(limit: 1);
        Assert.Equal(OutboundStatus.Sent, (await RowAsync(reply)).Status);
        await DispatchAsync(limit: 1);
        Assert.Equal(OutboundStatus.Sent, (await RowAsync(lesson)).Status);
        foreach (var id in bulk) Assert.Equal(OutboundStatus.Queued, (await RowAsync(id)).Status);

        await DispatchAsync();
        Assert.Equal(5, app.Twilio.RequestsTo(phone).Count);
    }

    [Fact]
    public async Task ServerError_IsLookedUpFirst_NotFound_ResentOnceWithANote()
    {
        var phone = NewPhone();
        app.Twilio.Script(phone, FakeReply.ServerError, FakeReply.ServerError);
        var id = await QueueAsync(phone);
        await DispatchAsync();

        // Too early: its delivery report may still come.
        await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundStatus.Ambiguous, (await RowAsync(id)).Status);

        app.Clock.Advance(ReconcileDeliveries.Grace + TimeSpan.FromSeconds(1));
        await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);
        var requeued = await RowAsync(id);
        Assert.Equal(OutboundStatus.Queued, requeued.Status);
        Assert.Equal(1, requeued.Resends);
        Assert.Contains("sent again once", requeued.Note);

        // The resend is ambiguous too: asked again, still not found, and this time it is not sent a third time.
        await DispatchAsync();
        Assert.Equal(OutboundStatus.Ambiguous, (await RowAsync(id)).Status);
        app.Clock.Advance(ReconcileDeliveries.Grace + TimeSpan.FromSeconds(1));
        await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);
        await DispatchAsync();

        var final = await RowAsync(id);
        Assert.Equal((OutboundStatus.Failed, ReconcileDeliveries.UnconfirmedCode), (final.Status, final.ErrorCode));
        Assert.Contains("not sent a third time", final.Note);
        Assert.Equal(2, app.Twilio.RequestsTo(phone).Count);
        // An official must be able to learn why the resident missed it: said at warning, with the message's id.
        Assert.Contains(app.Logged(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && r.Message.Contains($"Message {id} ") && r.Message.Contains("not found there"));
    }

    [Fact]
    public async Task AcceptedThenStalled_IsFoundAtTwilio_AndNotSentAgain()
    {
        var phone = NewPhone();
        app.Twilio.Script(phone, FakeReply.Stall);
        var id = await QueueAsync(phone);
        await DispatchAsync();
        Assert.Equal(OutboundStatus.Ambiguous, (await RowAsync(id)).Status);

        app.Clock.Advance(ReconcileDeliveries.Grace + TimeSpan.FromSeconds(1));
        await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);
        await DispatchAsync();

        var row = await RowAsync(id);
        Assert.Contains("found at the provider", row.Note);
        Assert.Equal(OutboundStatus.Sent, row.Status);
        Assert.Equal(app.Twilio.RequestsTo(phone)[0].Sid, row.ProviderMessageId);
        Assert.Single(app.Twilio.RequestsTo(phone));
    }

    [Fact]
    public async Task CancelBroadcast_StopsEveryRowNotYetClaimed()
    {
        var phones = Enumerable.Range(0, 3).Select(_ => NewPhone()).ToList();
        var ids = new List<long>();
        foreach (var (phone, i) in phones.Select((p, i) => (p, i)))
            ids.Add(await app.EnqueueAsync(new OutboundMessage(phone, "Vaccination day moved", MessageKinds.Broadcast, MessagePriority.Bulk)
            {
                BroadcastId = 9001,
                SubscriberId = 100 + i,
            }));

        int canceled;
        await using (var conn = await app.OpenDatabaseAsync())
            canceled = await app.Outbox.CancelBroadcastAsync(conn, null, 9001, CancellationToken.None);
        await DispatchAsync();

        Assert.Equal(3, canceled);
        foreach (var id in ids) Assert.Equal(OutboundStatus.Canceled, (await RowAsync(id)).Status);
        Assert.All(phones, p => Assert.Empty(app.Twilio.RequestsTo(p)));
    }
}
