using System.Diagnostics;
using Dapper;
using Gateway.Delivery;
using Gateway.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Delivery;

/// <summary>
/// A Twilio gateway whose requests may take 10 s of real time (a held request outlives several leases on the fake
/// clock while the real one barely moves), handing over one message at a time.
/// </summary>
public sealed class DispatchLeaseApp : TwilioGatewayApp
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["TWILIO_REQUEST_TIMEOUT"] = "00:00:10";
        settings["SMS_MAX_IN_FLIGHT"] = "1";
    }
}

/// <summary>
/// A dispatch pass's lease (Delivery/DispatchLease.cs) through the dispatcher and reconciliation, on the fake clock:
/// a live worker never loses its rows, a stopped one's rows come back (those never handed over without asking Twilio),
/// and no row is sent twice, even one taken back while its send was in flight.
/// </summary>
public sealed class DispatchLeaseTests(DispatchLeaseApp app) : IClassFixture<DispatchLeaseApp>
{
    private static int _numbers;

    private static string NewPhone() => $"+86138002{Interlocked.Increment(ref _numbers):D5}";

    private sealed record Row(long Id, string Status, short Attempts, short Resends, string? ProviderMessageId, string? Note, long? PassId);

    private Task<Row> RowAsync(long id) => app.QuerySingleAsync<Row>(
        "SELECT id, status, attempts, resends, provider_message_id, note, pass_id FROM outbound_messages WHERE id = @id", new { id });

    private Task<long> QueueAsync(string phone) =>
        app.EnqueueAsync(new OutboundMessage(phone, $"Clinic hours for {phone}", MessageKinds.Broadcast, MessagePriority.Bulk));

    private Task<DateTime?> LeaseUntilAsync(long id) => app.QuerySingleAsync<DateTime?>(
        "SELECT (SELECT p.lease_until FROM dispatch_passes p JOIN outbound_messages m ON m.pass_id = p.id WHERE m.id = @id)", new { id });

    private Task ReconcileAsync() => app.Reconcile.ReconcileOnceAsync(CancellationToken.None);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(8)) throw new TimeoutException($"still waiting for {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task ALiveWorker_RenewsItsLease_WhileItsSendIsInFlight_SoReconciliationNeverTakesTheRow()
    {
        var phone = NewPhone();
        app.Twilio.Script(phone, FakeReply.Hold);
        var id = await QueueAsync(phone);
        var logged = app.Logged().Count;
        var pass = app.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        await WaitUntilAsync(() => Task.FromResult(app.Twilio.Holding == 1), "the request to reach Twilio");

        // A minute of the gateway's clock while Twilio holds the request: three leases' worth.
        var start = app.Clock.GetUtcNow();
        while (app.Clock.GetUtcNow() - start < TimeSpan.FromMinutes(1))
        {
            var before = await LeaseUntilAsync(id);
            await WaitUntilAsync(async () =>
            {
                app.Clock.Advance(TimeSpan.FromSeconds(1));
                return await LeaseUntilAsync(id) > before;
            }, "the lease to be renewed");
            await ReconcileAsync();
            Assert.Equal(OutboundStatus.Sending, (await RowAsync(id)).Status);
        }

        app.Twilio.ReleaseHeld();
        await pass;

        var row = await RowAsync(id);
        Assert.Equal((OutboundStatus.Sent, (long?)null), (row.Status, row.PassId));
        Assert.Equal(app.Twilio.RequestsTo(phone)[0].Sid, row.ProviderMessageId);
        Assert.Single(app.Twilio.RequestsTo(phone));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM dispatch_passes"));
        Assert.DoesNotContain(app.Logged().Skip(logged), r => r.Message.Contains("came after reconciliation") || r.Message.Contains("stopped renewing"));
    }

    [Fact]
    public async Task AStoppedWorkersRows_PastItsHandOffMark_AreQueuedAgainUnasked_AndThoseUpToIt_AreAskedAfterTheGrace()
    {
        var reachedPhone = NewPhone();
        var reached = await QueueAsync(reachedPhone);
        await app.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        var neverSentPhone = NewPhone();
        var neverSent = await QueueAsync(neverSentPhone);
        var notYetPhone = NewPhone();
        var notYet = await QueueAsync(notYetPhone);
        var now = app.Clock.GetUtcNow();
        // A paced pass of a worker that then died: its three rows claimed, hand-offs marked up to the second (the first
        // had reached Twilio, the second had not left yet), the third not reached.
        await using (var conn = await app.OpenDatabaseAsync())
            await conn.ExecuteAsync("""
                INSERT INTO dispatch_passes (id, worker, lease_until, handed_priority, handed_id, claimed_at)
                VALUES (nextval('dispatch_pass_ids'), 'killed-worker:4242', @Until, 2, @NeverSent, @Now);
                UPDATE outbound_messages SET status = 'sending', provider = 'twilio', provider_message_id = NULL, attempts = 1,
                       pass_id = currval('dispatch_pass_ids'), sent_at = @Now
                 WHERE id = ANY(@Ids);
                """, new { Until = now + Dispatcher.Lease, NeverSent = neverSent, Now = now, Ids = new[] { reached, neverSent, notYet } });
        var lookups = app.Twilio.Lookups.Count;

        // Inside the lease: the worker may only be slow.
        await ReconcileAsync();
        Assert.Equal(OutboundStatus.Sending, (await RowAsync(notYet)).Status);

        app.Clock.Advance(Dispatcher.Lease + TimeSpan.FromSeconds(1));
        var pass = await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);
        Assert.Equal((3, 1), (pass.TakenBack, pass.Requeued));
        var requeued = await RowAsync(notYet);
        Assert.Equal((OutboundStatus.Queued, (short)0), (requeued.Status, requeued.Attempts));
        Assert.Contains("before handing it over", requeued.Note);
        Assert.Equal(OutboundStatus.Ambiguous, (await RowAsync(reached)).Status);
        Assert.Equal(lookups, app.Twilio.Lookups.Count);
        Assert.Contains(app.Logged(), r => r.Level == LogLevel.Warning && r.Id.Id == 2101 && r.Message.Contains("killed-worker:4242") && r.Message.Contains("1 never handed over"));

        app.Clock.Advance(ReconcileDeliveries.Grace);
        await ReconcileAsync();
        await app.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        Assert.Equal(lookups + 2, app.Twilio.Lookups.Count);
        var found = await RowAsync(reached);
        Assert.Equal((OutboundStatus.Sent, app.Twilio.RequestsTo(reachedPhone)[0].Sid), (found.Status, found.ProviderMessageId));
        var resent = await RowAsync(neverSent);
        Assert.Equal((OutboundStatus.Sent, (short)1), (resent.Status, resent.Resends));
        Assert.Equal((OutboundStatus.Sent, (short)0), ((await RowAsync(notYet)).Status, (await RowAsync(notYet)).Resends));
        Assert.All(new[] { reachedPhone, neverSentPhone, notYetPhone }, p => Assert.Single(app.Twilio.RequestsTo(p)));
    }

    [Fact]
    public async Task APassThatLostItsLease_HandsOverNoMoreOfItsRows_AndAnOutcomeThatCameLateStillSettlesItsRow()
    {
        var inFlightPhone = NewPhone();
        var waitingPhone = NewPhone();
        app.Twilio.Script(inFlightPhone, FakeReply.Hold);
        var inFlight = await QueueAsync(inFlightPhone);
        var waiting = await QueueAsync(waitingPhone);
        var pass = app.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        await WaitUntilAsync(() => Task.FromResult(app.Twilio.Holding == 1), "the first request to reach Twilio");

        // The pass's renewals did not land (a frozen process, a partition): its lease ended and reconciliation took both
        // rows back while the first request was still at Twilio.
        await using (var conn = await app.OpenDatabaseAsync())
            await conn.ExecuteAsync("UPDATE dispatch_passes SET lease_until = @Past", new { Past = app.Clock.GetUtcNow() - TimeSpan.FromSeconds(1) });
        Assert.Equal(2, (await app.Reconcile.ReconcileOnceAsync(CancellationToken.None)).TakenBack);
        await WaitUntilAsync(() =>
        {
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(app.Logged().Any(r => r.Message.Contains("lost its lease")));
        }, "the pass to learn that it lost its lease");

        app.Twilio.ReleaseHeld();
        await pass;
        Assert.Empty(app.Twilio.RequestsTo(waitingPhone));
        var settled = await RowAsync(inFlight);
        Assert.Equal((OutboundStatus.Sent, app.Twilio.RequestsTo(inFlightPhone)[0].Sid), (settled.Status, settled.ProviderMessageId));
        Assert.Contains("after its pass had lost its lease", settled.Note);

        // The row it never handed over is asked about (it might have gone), not found, and sent once.
        app.Clock.Advance(ReconcileDeliveries.Grace);
        await ReconcileAsync();
        await app.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal(OutboundStatus.Sent, (await RowAsync(waiting)).Status);
        Assert.Single(app.Twilio.RequestsTo(inFlightPhone));
        Assert.Single(app.Twilio.RequestsTo(waitingPhone));
    }

    [Fact]
    public async Task HundredsOfRowsInDoubt_AreAllSettledInOnePass()
    {
        // More than one batch of the old reconciliation (100 per pass, one every 5 s).
        var phones = Enumerable.Range(0, 600).Select(_ => NewPhone()).ToArray();
        var now = app.Clock.GetUtcNow();
        var prepared = app.Outbox.Prepare("Vaccination day moved to Friday.");
        await using (var conn = await app.OpenDatabaseAsync())
            await conn.ExecuteAsync("""
                INSERT INTO outbound_messages (recipient, body, encoding, segments, cost, priority, kind, not_before, expires_at,
                                               created_at, status_at, status, provider, attempts, sent_at, note)
                SELECT phone, @Body, @Encoding, @Segments, @Cost, 2, 'broadcast', @Now, @Expires, @Now, @Now, 'ambiguous', 'twilio', 1, @Now,
                       'its worker stopped while handing it over (lease ended)'
                  FROM unnest(@Phones) AS phone
                """, new { prepared.Body, prepared.Encoding, prepared.Segments, prepared.Cost, Now = now, Expires = now.AddHours(4), Phones = phones });

        app.Clock.Advance(ReconcileDeliveries.Grace);
        var pass = await app.Reconcile.ReconcileOnceAsync(CancellationToken.None);

        Assert.Equal(600, pass.Resent);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM outbound_messages WHERE recipient = ANY(@phones) AND status = 'ambiguous'", new { phones }));
        // Out of the way of the other tests' dispatch passes.
        await app.QueryAsync<int>("UPDATE outbound_messages SET status = 'canceled' WHERE recipient = ANY(@phones) RETURNING 1", new { phones });
    }
}
