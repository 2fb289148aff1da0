using Gateway.Hosting;
using Dapper;
using Gateway.Data;
using Gateway.Phones;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// The one fast path: a message from a number whose record this process remembers (<see cref="SenderCache"/>) is
/// decided from that record before anything is read, and stored already handled, with its reply and changes, in one
/// round trip. It stores the message past a guard (a condition in the insert, StoreInboundMessage.StoreHandled) that
/// fails the whole round trip with SQLSTATE GW001 when the record is no longer as remembered, after locking the
/// sender's row when the message changes something. Then, and when the message turns out to be a retry, or anything else fails, nothing was written and
/// <see cref="TryAsync"/> returns null: the pipeline handles the message the normal way, which stores it first.
/// Messages whose decision reads the learner's enrolments never come here.
/// </summary>
public sealed class InboundFastPath(NpgsqlDataSource db, SenderCache senders, InboundIds ids, DecideInbound decide, StoreInboundMessage store,
    InboundChanges changes, TimeProvider clock, ILogger<InboundFastPath> log)
{
    /// <summary>The guard's SQLSTATE: the sender changed since it was remembered.</summary>
    public const string SenderChanged = "GW001";

    /// <summary>The answer, or null when the message must take the normal path.</summary>
    public async Task<InboundAnswer?> TryAsync(InboundReading reading, CancellationToken ct)
    {
        if (senders.Find(reading.Message.From) is not { } sender || decide.NeedsLearner(reading.Parsed, sender.Subscriber))
            return null;

        await using var conn = await db.OpenConnectionAsync(ct);
        var context = new InboundContext(await ids.NextAsync(conn, ct), reading, sender, Learner: null);
        var decision = decide.Decide(context);
        try
        {
            // Not cancelled once sent: a message stored and handled must also be answered.
            var stored = store.StoreHandled(context.InboundId, reading.Message, decision, sender, lockSender: !decision.ChangesNothing);
            await conn.ExecuteAsync(SqlStatement.Command([.. stored, .. changes.Statements(decision)], null, CancellationToken.None));
        }
        catch (PostgresException e) when (e.SqlState == SenderChanged || StoreInboundMessage.IsRetry(e))
        {
            senders.Forget(sender.Subscriber.Phone);
            return null;
        }
        catch (PostgresException e)
        {
            // Nothing was written. The normal path stores the message on its own first, so it is kept (and shown in
            // the inbox) even if handling it fails again.
            log.FastPathFailed(e, reading.Message, sender.Subscriber.Phone);
            senders.Forget(sender.Subscriber.Phone);
            return null;
        }
        senders.Remember(sender.After(decision, clock.GetUtcNow()));
        changes.Committed(context, decision, "fast path");
        return new InboundAnswer(decision.Reply, Duplicate: false, decision.Intent);
    }
}
