using Dapper;
using Gateway.Delivery;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Tests.Delivery;

/// <summary>The simulator as provider, pacing off: what producers write, and what the simulator makes of it.</summary>
public sealed class OutboxApp : GatewayApp
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["SMS_RATE_PER_SECOND"] = "0";
        settings["SMS_PRICE_PER_SEGMENT"] = "0.04";
    }
}

public sealed class OutboxTests(OutboxApp app) : IClassFixture<OutboxApp>
{
    private static int _numbers;

    private static string NewPhone() => $"+86137001{Interlocked.Increment(ref _numbers):D5}";

    private Outbox Outbox => app.Services.GetRequiredService<Outbox>();

    private async Task<long?> EnqueueAsync(OutboundMessage message)
    {
        await using var conn = await app.OpenDatabaseAsync();
        return await Outbox.EnqueueAsync(conn, null, message, CancellationToken.None);
    }

    private sealed record Stored(string Body, string Encoding, int Segments, decimal Cost, short Priority, string Kind, string Status,
        DateTime NotBefore, DateTime ExpiresAt);

    private Task<Stored> StoredAsync(long id) => app.QuerySingleAsync<Stored>(
        "SELECT body, encoding, segments, cost, priority, kind, status, not_before, expires_at FROM outbound_messages WHERE id = @id", new { id });

    public sealed record Case(string Label, string Body, string StoredBody, string Encoding, int Segments)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Case> Bodies => new()
    {
        new("plain English", "Wash your hands.", "Wash your hands.", "GSM-7", 1),
        new("curly quotes and a dash become GSM-7", "It’s “time” — wear a mask", "It's \"time\" - wear a mask", "GSM-7", 1),
        new("non-breaking space becomes a space", "Clinic\u00A0open", "Clinic open", "GSM-7", 1),
        new("Chinese is never changed", "请勤洗手，戴口罩。", "请勤洗手，戴口罩。", "UCS-2", 1),
        new("161 GSM-7 characters: two segments", new string('a', 161), new string('a', 161), "GSM-7", 2),
        new("71 Chinese characters: two segments", new string('字', 71), new string('字', 71), "UCS-2", 2),
        new("an emoji costs two UCS-2 units", "😷" + new string('a', 69), "😷" + new string('a', 69), "UCS-2", 2),
    };

    [Theory, MemberData(nameof(Bodies))]
    public async Task Enqueue_StoresTheSmartEncodedBody_WithEncodingSegmentsAndCost(Case c)
    {
        var id = await EnqueueAsync(new OutboundMessage(NewPhone(), c.Body, MessageKinds.Reply, MessagePriority.Critical));

        var stored = await StoredAsync(id!.Value);
        Assert.Equal((c.StoredBody, c.Encoding, c.Segments, c.Segments * 0.04m), (stored.Body, stored.Encoding, stored.Segments, stored.Cost));
    }

    [Fact]
    public async Task Enqueue_Defaults_DueNow_ValidForFourHours_Queued()
    {
        var id = await EnqueueAsync(new OutboundMessage(NewPhone(), "Lesson 1", MessageKinds.Lesson, MessagePriority.Normal));

        var stored = await StoredAsync(id!.Value);
        var now = app.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal((OutboundStatus.Queued, (short)1, "lesson"), (stored.Status, stored.Priority, stored.Kind));
        Assert.Equal(now, stored.NotBefore, TimeSpan.FromMilliseconds(1));
        Assert.Equal(now.AddHours(4), stored.ExpiresAt, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task SameDedupeKey_OrSameBroadcastAndSubscriber_IsQueuedOnce()
    {
        var phone = NewPhone();
        var lesson = new OutboundMessage(phone, "Lesson 3", MessageKinds.Lesson, MessagePriority.Bulk) { DedupeKey = "lesson:17:2026-03-02" };
        var broadcast = new OutboundMessage(phone, "Notice", MessageKinds.Broadcast, MessagePriority.Bulk) { BroadcastId = 5, SubscriberId = 77 };

        Assert.NotNull(await EnqueueAsync(lesson));
        Assert.Null(await EnqueueAsync(lesson));
        Assert.NotNull(await EnqueueAsync(broadcast));
        Assert.Null(await EnqueueAsync(broadcast with { Body = "Notice, again" }));
        Assert.Equal(2, await app.QuerySingleAsync<int>("SELECT count(*) FROM outbound_messages WHERE recipient = @phone", new { phone }));
    }

    [Fact]
    public async Task Enqueue_IsPartOfTheProducersTransaction_AndWakesDispatchersOnlyOnCommit()
    {
        var phone = NewPhone();
        await using var listener = await app.OpenDatabaseAsync();
        var notified = 0;
        listener.Notification += (_, _) => Interlocked.Increment(ref notified);
        await listener.ExecuteAsync($"LISTEN {Outbox.Channel}");

        await using (var conn = await app.OpenDatabaseAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await Outbox.EnqueueAsync(conn, tx, new OutboundMessage(phone, "Rolled back", MessageKinds.Reply, MessagePriority.Critical), CancellationToken.None);
            await tx.RollbackAsync();
        }
        await Task.Delay(200);
        await listener.ExecuteAsync("SELECT 1");
        Assert.Equal(0, notified);
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM outbound_messages WHERE recipient = @phone", new { phone }));

        await EnqueueAsync(new OutboundMessage(phone, "Committed", MessageKinds.Reply, MessagePriority.Critical));
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (notified == 0) await listener.WaitAsync(wait.Token);
        Assert.Equal(1, notified);
    }

    public sealed record Invalid(string Label, OutboundMessage Message, string Reason)
    {
        public override string ToString() => Label;
    }

    public static TheoryData<Invalid> Invalids => new()
    {
        new("not E.164", new OutboundMessage("13800138000", "Hi", MessageKinds.Reply, MessagePriority.Critical), "To:"),
        new("empty body", new OutboundMessage("+8613800138000", "", MessageKinds.Reply, MessagePriority.Critical), "Body:"),
        new("over 1,600 characters", new OutboundMessage("+8613800138000", new string('a', 1601), MessageKinds.Reply, MessagePriority.Critical), "Body:"),
        new("kind not a lower-case word", new OutboundMessage("+8613800138000", "Hi", "Reply!", MessagePriority.Critical), "Kind:"),
    };

    [Theory, MemberData(nameof(Invalids))]
    public async Task ProducerMistakes_AreRefused(Invalid c)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => EnqueueAsync(c.Message));
        Assert.StartsWith(c.Reason, error.Message);
    }

    [Fact]
    public async Task SetBasedProducer_InsertSelect_FollowingTheContract_IsDispatched_AndTheSimulatorReportsDelivery()
    {
        var phones = Enumerable.Range(0, 3).Select(_ => NewPhone()).ToArray();
        await using (var conn = await app.OpenDatabaseAsync())
        {
            foreach (var phone in phones)
                await conn.ExecuteAsync("INSERT INTO subscribers (phone, language, created_at) VALUES (@phone, 'en', @now)", new { phone, now = app.Clock.GetUtcNow() });
            var prepared = Outbox.Prepare("Vaccination day: Saturday — bring your ID.");
            var now = app.Clock.GetUtcNow();
            await using var tx = await conn.BeginTransactionAsync();
            // The column contract documented on Outbox, as a broadcast would write it for one language (the provider
            // from SMS_ROUTES, as the database function outbound_route gives it).
            await conn.ExecuteAsync("""
                INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind,
                                               broadcast_id, not_before, expires_at, created_at, status_at, provider)
                SELECT s.phone, s.id, @Body, @Encoding, @Segments, @Cost, @Priority, 'broadcast', 42, @Now, @ExpiresAt, @Now, @Now,
                       outbound_route(s.phone)
                  FROM subscribers s
                 WHERE s.phone = ANY(@Phones) AND s.language = 'en'
                ON CONFLICT DO NOTHING
                """, new
            {
                prepared.Body, prepared.Encoding, prepared.Segments, prepared.Cost, Priority = (short)MessagePriority.Bulk,
                Now = now, ExpiresAt = Outbox.ExpiresAt(now), Phones = phones,
            }, tx);
            await Outbox.NotifyAsync(conn, tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        await app.Services.GetRequiredService<Dispatcher>().DispatchOnceAsync(CancellationToken.None);
        Assert.Equal(3, await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM outbound_messages WHERE broadcast_id = 42 AND status = 'sent' AND provider_message_id LIKE 'SIM%'"));
        Assert.Equal(3, await app.QuerySingleAsync<int>(
            "SELECT count(*) FROM simulator_messages WHERE to_phone = ANY(@phones) AND body = 'Vaccination day: Saturday - bring your ID.'", new { phones }));

        await app.Services.GetRequiredService<ReconcileDeliveries>().ReconcileOnceAsync(CancellationToken.None);
        Assert.Equal(3, await app.QuerySingleAsync<int>("SELECT count(*) FROM outbound_messages WHERE broadcast_id = 42 AND status = 'delivered'"));
    }
}
