using Dapper;
using Gateway.Admin;
using Npgsql;

namespace Gateway.Broadcasts;

public enum ApprovalOutcome { Approved, NotFound, OwnBroadcast, NotPending }

/// <summary>
/// The second person's approval. The creator can never approve their own broadcast, under any spelling of their
/// name (<see cref="StaffName"/>; checked here, in the UPDATE and by a CHECK constraint). Approval schedules the start: at once when sendAt has come, otherwise at sendAt; recurring broadcasts
/// get their recurring job.
/// </summary>
public sealed class ApproveBroadcast(NpgsqlDataSource db, ScheduleBroadcast schedule, TimeProvider clock, ILogger<ApproveBroadcast> log)
{
    private const string ApproveSql = """
        UPDATE broadcasts
           SET status      = CASE WHEN repeat_cron IS NOT NULL OR send_at > @Now THEN 'scheduled' ELSE 'approved' END,
               approved_by = @Caller,
               approved_at = @Now
         WHERE id = @Id AND status = 'pending_approval' AND lower(created_by) <> lower(@Caller)
        RETURNING id
        """;

    private const string RememberJobSql = "UPDATE broadcasts SET start_job_id = @JobId WHERE id = @Id";

    public async Task<(ApprovalOutcome Outcome, Broadcast? Broadcast)> HandleAsync(long id, string caller, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var broadcast = await Broadcast.FindAsync(conn, null, id, ct);
        if (broadcast is null) return (ApprovalOutcome.NotFound, null);
        if (StaffName.Same(broadcast.CreatedBy, caller)) return (ApprovalOutcome.OwnBroadcast, broadcast);

        var approved = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(ApproveSql, new { Id = id, Caller = caller, Now = clock.GetUtcNow() }, cancellationToken: ct));
        broadcast = await Broadcast.FindAsync(conn, null, id, ct);
        if (approved is null)
            return broadcast!.Status == BroadcastStatus.PendingApproval ? (ApprovalOutcome.OwnBroadcast, broadcast) : (ApprovalOutcome.NotPending, broadcast);

        // Committed first: if scheduling fails now, SettleBroadcasts starts the broadcast within a few minutes.
        try
        {
            var jobId = schedule.Start(broadcast!);
            if (jobId is not null)
            {
                await conn.ExecuteAsync(new CommandDefinition(RememberJobSql, new { Id = id, JobId = jobId }, cancellationToken: ct));
                broadcast = broadcast! with { StartJobId = jobId };
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Broadcast {Id} approved but its start could not be scheduled; the settle job will start it", id);
        }
        log.LogInformation("Broadcast {Id} approved by {Caller} ({Status})", id, caller, broadcast!.Status);
        return (ApprovalOutcome.Approved, broadcast);
    }
}
