using Gateway.Hosting;
using Dapper;
using Gateway.Data;
using Gateway.Lessons;
using Gateway.Phones;
using Gateway.Subscriptions;
using Gateway.Support;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// The one inbound path, for every provider (Twilio's webhook, the simulator, a replay of a message kept while the
/// database was away): read → decide → apply → answer.
/// <list type="number">
/// <item><b>Read</b> (<see cref="InboundReader"/>, pure): storable text, a base64 body decoded, what the message asks for.</item>
/// <item><b>Decide</b> (<see cref="DecideInbound"/>, pure): from the message and the sender's record, an
/// <see cref="InboundDecision"/>: the intent, the reply, and the changes as values (consent, preferences, a support
/// request, a course change).</item>
/// <item><b>Apply</b>: the message marked handled and each change written by the slice that owns it
/// (<see cref="InboundChanges"/>: Subscriptions, Support; Lessons for courses, through Delivery for a lesson sent now),
/// in one transaction. So a retried message finds its reply and changes nothing, and a failure leaves the message
/// stored but unhandled (shown in the inbox, finished by <see cref="FinishUnhandledMessages"/>).</item>
/// <item><b>Answer</b>: the reply, given inline by the provider's endpoint.</item>
/// </list>
/// A number this process remembers takes <see cref="InboundFastPath"/> (one round trip); every other message, and any
/// the fast path gives back, takes the normal path below: store the message (its own commit: nothing a resident sends is
/// lost), then lock it and the sender, read them, decide, apply, commit.
/// </summary>
public sealed class InboundPipeline(NpgsqlDataSource db, InboundReader reader, RecentReplies replies, InboundFastPath fastPath,
    StoreInboundMessage store, Subscribers subscribers, Enrolments enrolments, DecideInbound decide, InboundChanges changes,
    SenderCache senders, TimeProvider clock, ILogger<InboundPipeline> log)
{
    public async Task<InboundAnswer> HandleAsync(InboundMessage message, CancellationToken ct)
    {
        // The root of the message's trace: what it queues carries it on (Delivery's trace_parent).
        using var activity = InboundTelemetry.Source.StartActivity("inbound message");
        activity?.SetTag("messaging.system", message.Provider);

        // 1. Read.
        var reading = reader.Read(message);
        if (replies.Find(message) is { } answered)
        {
            log.DuplicateAnswered(message);
            return answered;
        }

        // 2-4. Decide and apply: in one round trip for a remembered number, else the normal way.
        var answer = await fastPath.TryAsync(reading, ct) ?? await StoreThenHandleAsync(reading, ct);
        replies.Remember(message, answer.Reply, answer.Intent);

        // 5. Answer.
        return answer;
    }

    private async Task<InboundAnswer> StoreThenHandleAsync(InboundReading reading, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var stored = await store.StoreAsync(conn, reading.Message, ct);
        if (stored.Handled)
            return new InboundAnswer(stored.Reply, Duplicate: true, stored.Intent);   // a retry of a message handled before: same reply, no effects

        // The message is committed: whatever happens next, it is kept. From here it is handled to the end even if the
        // provider hangs up (an opt-out must not wait for a retry that may never come).
        return await HandleStoredAsync(conn, stored.Id, reading, CancellationToken.None);
    }

    private async Task<InboundAnswer> HandleStoredAsync(NpgsqlConnection conn, long id, InboundReading reading, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One round trip: the message locked, then the sender found or created and locked, their topics and conversation.
        InboundSender sender;
        await using (var read = await conn.QueryMultipleAsync(SqlStatement.Command([StoreInboundMessage.Lock(id),
                         subscribers.FindOrCreateWithTopics(reading.Message.From, reading.LanguageIfNew), Conversations.Claimed(reading.Message.From)], tx, ct)))
        {
            if (await read.ReadSingleAsync<StoredMessage>() is { Handled: true } earlier)
            {
                // The same message delivered twice at once: the other delivery finished first. Answer as it did.
                await read.DisposeAsync();
                await tx.RollbackAsync(ct);
                return new InboundAnswer(earlier.Reply, Duplicate: true, earlier.Intent);
            }
            var (subscriber, topics) = await Subscribers.ReadWithTopicsAsync(read);
            sender = new InboundSender(subscriber, topics, await read.ReadSingleAsync<long?>());
        }
        var learner = decide.NeedsLearner(reading.Parsed, sender.Subscriber)
            ? await enrolments.ReadAsync(conn, tx, sender.Subscriber.Id, lockRows: true, ct)
            : null;
        var context = new InboundContext(id, reading, sender, learner);

        var decision = decide.Decide(context);

        await conn.ExecuteAsync(SqlStatement.Command([store.MarkHandled(id, decision), .. changes.Statements(decision)], tx, ct));
        if (decision.Course is { } course)
            await enrolments.ApplyAsync(conn, tx, course, ConsentChannel.Sms, ct);
        await tx.CommitAsync(ct);

        senders.Remember(sender.After(decision, clock.GetUtcNow()));
        changes.Committed(context, decision, "normal path");
        return new InboundAnswer(decision.Reply, Duplicate: false, decision.Intent);
    }
}
