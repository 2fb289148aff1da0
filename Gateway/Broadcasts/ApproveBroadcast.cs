using System.Globalization;
using System.Text.Json;
using Dapper;
using Gateway.Admin;
using Gateway.Audit;
using Npgsql;

namespace Gateway.Broadcasts;

public enum ApprovalOutcome { Approved, NotFound, OwnBroadcast, NotPending, OverBudget }

/// <param name="Budget">The broadcast against SMS_MONTHLY_BUDGET (null when none is set).</param>
public sealed record Approval(ApprovalOutcome Outcome, Broadcast? Broadcast, BudgetCheck? Budget = null);

/// <summary>
/// The second person's approval. The creator can never approve their own broadcast, under any spelling of their
/// name (<see cref="StaffName"/>; checked here, in the UPDATE and by a CHECK constraint). The broadcast's cost is
/// estimated as it stands now (the preview's audience and prices) and kept with it, in total and per route; with SMS_MONTHLY_BUDGET set, a
/// broadcast whose estimate exceeds what remains of its month can be approved only by an admin who says so
/// (<paramref name="overBudget"/> in <see cref="HandleAsync"/>), and that override is audited with the figures.
/// Approval schedules the start: at once when sendAt has come, otherwise at sendAt; recurring broadcasts get their
/// recurring job.
/// </summary>
public sealed class ApproveBroadcast(NpgsqlDataSource db, PreviewBroadcast preview, MonthlyBudget budget, ScheduleBroadcast schedule, AuditLog audit,
    TimeProvider clock, ILogger<ApproveBroadcast> log)
{
    private const string ApproveSql = """
        UPDATE broadcasts
           SET status         = CASE WHEN repeat_cron IS NOT NULL OR send_at > @Now THEN 'scheduled' ELSE 'approved' END,
               approved_by    = @Caller,
               approved_at    = @Now,
               estimated_cost = @EstimatedCost,
               estimated_routes = @EstimatedRoutes::jsonb
         WHERE id = @Id AND status = 'pending_approval' AND lower(created_by) <> lower(@Caller)
        RETURNING id
        """;

    private const string RememberJobSql = "UPDATE broadcasts SET start_job_id = @JobId WHERE id = @Id";

    /// <param name="isAdmin">Whether the approver holds the admin role: only an admin may approve over the budget.</param>
    /// <param name="overBudget">The admin saw the budget warning and approves anyway.</param>
    public async Task<Approval> HandleAsync(long id, AuditActor actor, bool isAdmin, bool overBudget, CancellationToken ct)
    {
        var caller = actor.Name;
        await using var conn = await db.OpenConnectionAsync(ct);
        var broadcast = await Broadcast.FindAsync(conn, null, id, ct);
        if (broadcast is null) return new(ApprovalOutcome.NotFound, null);
        if (StaffName.Same(broadcast.CreatedBy, caller)) return new(ApprovalOutcome.OwnBroadcast, broadcast);
        if (broadcast.Status != BroadcastStatus.PendingApproval) return new(ApprovalOutcome.NotPending, broadcast);

        // Counted before the transaction: it reads the audience (a second for a million residents) and locks nothing.
        var now = clock.GetUtcNow();
        var draft = broadcast.ToDraft(now);
        var estimate = await preview.HandleAsync(draft, ct);

        await using var tx = await conn.BeginTransactionAsync(ct);
        BudgetCheck? check = null;
        if (budget.Budget is not null)
        {
            await MonthlyBudget.LockAsync(conn, tx, ct);
            check = await budget.CheckAsync(conn, tx, draft, estimate, excluding: id, ct);
            if (check!.OverBudget && !(isAdmin && overBudget))
                return new(ApprovalOutcome.OverBudget, broadcast, check);
        }
        var approved = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(ApproveSql,
            new { Id = id, Caller = caller, Now = now, EstimatedCost = estimate.EstimatedCost, EstimatedRoutes = JsonSerializer.Serialize(estimate.Routes) }, tx, cancellationToken: ct));
        if (approved is null)
        {
            await tx.RollbackAsync(ct);
            broadcast = await Broadcast.FindAsync(conn, null, id, ct);
            return new(broadcast!.Status == BroadcastStatus.PendingApproval ? ApprovalOutcome.OwnBroadcast : ApprovalOutcome.NotPending, broadcast);
        }
        var cost = estimate.EstimatedCost.ToString("0.00###", CultureInfo.InvariantCulture);
        await audit.RecordAsync(conn, tx, actor.Did(AuditActions.BroadcastApproved, BroadcastEndpoints.Target(id),
            $"{estimate.Recipients} recipients, estimated cost {cost}"), ct);
        if (check is { OverBudget: true })
            await audit.RecordAsync(conn, tx, actor.Did(AuditActions.BroadcastOverBudget, BroadcastEndpoints.Target(id), Figures(check)), ct);
        await tx.CommitAsync(ct);
        broadcast = await Broadcast.FindAsync(conn, null, id, ct);

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
        if (check is { OverBudget: true })
            log.LogWarning("Broadcast {Id} approved over the monthly budget by {Caller}: {Figures}", id, caller, Figures(check));
        log.LogInformation("Broadcast {Id} approved by {Caller} ({Status})", id, caller, broadcast!.Status);
        return new(ApprovalOutcome.Approved, broadcast, check);
    }

    /// <summary>The budget figures as the audit log and the API's 409 say them.</summary>
    public static string Figures(BudgetCheck check) => string.Create(CultureInfo.InvariantCulture,
        $"month {check.Month.Month:yyyy-MM}: budget {check.Month.Budget:0.00}, committed {check.Month.Committed:0.00}, estimated {check.Month.Estimated:0.00}, " +
        $"remaining {check.Month.Remaining:0.00}; this broadcast {check.Estimate:0.00} ({check.Sendings} sending{(check.Sendings == 1 ? "" : "s")}), leaving {check.RemainingAfter:0.00}");
}
