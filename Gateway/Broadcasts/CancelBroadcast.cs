using Dapper;
using Gateway.Audit;
using Gateway.Delivery;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

public enum CancelOutcome { Canceled, NotFound, Finished }

/// <summary>
/// Stops a broadcast at once: no new occurrence starts, a fan-out in progress stops after the ranges it is writing
/// (they hold their lanes' locks, which this waits for first, so their rows are committed and canceled here too), and every message not yet
/// claimed by a dispatcher becomes 'canceled' (Outbox.CancelBroadcastAsync). Messages already claimed, at most about a
/// second of sending per worker, still go out and are counted as they end. Audited.
/// </summary>
public sealed class CancelBroadcast(NpgsqlDataSource db, Outbox outbox, ScheduleBroadcast schedule, AuditLog audit, TimeProvider clock,
    IOptions<DeliveryOptions> delivery, ILogger<CancelBroadcast> log)
{
    private const string CancelSql = """
        UPDATE broadcasts SET status = 'canceled', canceled_by = @Caller, canceled_at = @Now, finished_at = @Now
         WHERE id = @Id AND status = ANY(@Live)
        RETURNING id
        """;

    // Lanes before occurrences, the order the fan-out takes them in (a lane, then the occurrence's counts).
    private const string LockLanesSql = """
        SELECT 1
          FROM broadcast_fanout_lanes l
          JOIN broadcast_occurrences o ON o.id = l.occurrence_id
         WHERE o.broadcast_id = @Id
         ORDER BY l.occurrence_id, l.lane
           FOR UPDATE OF l
        """;

    // Every occurrence is locked; only those recent enough to still have valid queued messages are canceled row by
    // row (deferral adds at most two days, quiet hours half a day), so a year-old daily broadcast cancels quickly.
    private const string LockOccurrencesSql = """
        SELECT id, due_at > @Recent AS recent FROM broadcast_occurrences WHERE broadcast_id = @Id ORDER BY id FOR UPDATE
        """;

    private const string CancelOccurrencesSql = """
        UPDATE broadcast_occurrences SET status = 'canceled' WHERE broadcast_id = @Id AND status = 'fanning_out'
        """;

    public async Task<(CancelOutcome Outcome, Broadcast? Broadcast, int MessagesCanceled)> HandleAsync(long id, AuditActor actor, CancellationToken ct)
    {
        var caller = actor.Name;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var canceled = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(CancelSql,
            new { Id = id, Caller = caller, Now = clock.GetUtcNow(), Live = BroadcastStatus.Live }, tx, cancellationToken: ct));
        if (canceled is null)
        {
            var existing = await Broadcast.FindAsync(conn, tx, id, ct);
            await tx.RollbackAsync(ct);
            return (existing is null ? CancelOutcome.NotFound : CancelOutcome.Finished, existing, 0);
        }

        await conn.ExecuteAsync(new CommandDefinition(LockLanesSql, new { Id = id }, tx, cancellationToken: ct));
        var recent = clock.GetUtcNow() - delivery.Value.Validity - TimeSpan.FromDays(3);
        var occurrences = (await conn.QueryAsync<(long Id, bool Recent)>(new CommandDefinition(LockOccurrencesSql,
            new { Id = id, Recent = recent }, tx, cancellationToken: ct))).AsList();
        await conn.ExecuteAsync(new CommandDefinition(CancelOccurrencesSql, new { Id = id }, tx, cancellationToken: ct));
        var messages = 0;
        foreach (var occurrence in occurrences.Where(o => o.Recent))
            messages += await outbox.CancelBroadcastAsync(conn, tx, occurrence.Id, ct);
        await audit.RecordAsync(conn, tx, actor.Did(AuditActions.BroadcastCanceled, BroadcastEndpoints.Target(id), $"{messages} queued messages canceled"), ct);
        await tx.CommitAsync(ct);

        var broadcast = (await Broadcast.FindAsync(conn, null, id, ct))!;
        schedule.Stop(broadcast);
        log.LogInformation("Broadcast {Id} canceled by {Caller}; {Messages} queued messages canceled", id, caller, messages);
        return (CancelOutcome.Canceled, broadcast, messages);
    }
}
