using Dapper;
using Gateway.Admin;
using Gateway.Audit;
using Npgsql;

namespace Gateway.Broadcasts;

public enum RejectionOutcome { Rejected, NotFound, OwnBroadcast, NotPending }

/// <summary>
/// The second person's "no": a pending broadcast becomes 'rejected' with a reason its creator reads on the broadcast's
/// page, and the audit log keeps. As with approval, never by its creator (a CHECK constraint backs it); to withdraw
/// their own broadcast they cancel it.
/// </summary>
public sealed class RejectBroadcast(NpgsqlDataSource db, AuditLog audit, TimeProvider clock, ILogger<RejectBroadcast> log)
{
    public const int MaxReasonLength = 500;

    private const string RejectSql = """
        UPDATE broadcasts
           SET status = 'rejected', rejected_by = @Caller, rejected_at = @Now, rejection_reason = @Reason, finished_at = @Now
         WHERE id = @Id AND status = 'pending_approval' AND lower(created_by) <> lower(@Caller)
        RETURNING id
        """;

    /// <summary>Why a reason cannot be used ("reason: …"), or null for a good one.</summary>
    public static string? Problem(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? "reason: required; say what the creator should change"
        : reason.Trim().Length > MaxReasonLength ? $"reason: {reason.Trim().Length} characters; at most {MaxReasonLength}"
        : null;

    /// <param name="reason">Checked with <see cref="Problem"/> first.</param>
    public async Task<(RejectionOutcome Outcome, Broadcast? Broadcast)> HandleAsync(long id, AuditActor actor, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var broadcast = await Broadcast.FindAsync(conn, null, id, ct);
        if (broadcast is null) return (RejectionOutcome.NotFound, null);
        if (StaffName.Same(broadcast.CreatedBy, actor.Name)) return (RejectionOutcome.OwnBroadcast, broadcast);

        await using var tx = await conn.BeginTransactionAsync(ct);
        var rejected = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(RejectSql,
            new { Id = id, Caller = actor.Name, Now = clock.GetUtcNow(), Reason = reason.Trim() }, tx, cancellationToken: ct));
        if (rejected is null)
        {
            await tx.RollbackAsync(ct);
            return (RejectionOutcome.NotPending, await Broadcast.FindAsync(conn, null, id, ct));
        }
        await audit.RecordAsync(conn, tx, actor.Did(AuditActions.BroadcastRejected, BroadcastEndpoints.Target(id), reason.Trim()), ct);
        await tx.CommitAsync(ct);
        log.LogInformation("Broadcast {Id} rejected by {Caller}", id, actor.Name);
        return (RejectionOutcome.Rejected, await Broadcast.FindAsync(conn, null, id, ct));
    }
}
