using Dapper;
using Hangfire;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// Minutely bookkeeping (RecurringJobs): a one-off broadcast whose messages have all reached a final status becomes
/// 'sent'; an approved broadcast whose start was lost (approved, then the process died before Hangfire had the job)
/// is started; a recurring broadcast whose Hangfire recurring job is missing gets it back. (A fan-out that stopped
/// half-way is carried on by <see cref="FanOutWatch"/>, within seconds.)
/// </summary>
public sealed class SettleBroadcasts(NpgsqlDataSource db, ScheduleBroadcast schedule, IBackgroundJobClient jobs, TimeProvider clock,
    ILogger<SettleBroadcasts> log)
{
    public const string JobId = "broadcasts:settle";

    /// <summary>A start this late is taken as lost; Hangfire's own delay for a due job is seconds.</summary>
    public static readonly TimeSpan LostAfter = TimeSpan.FromMinutes(2);

    private static readonly string FinishSql = $"""
        UPDATE broadcasts b
           SET status = 'sent', finished_at = @Now
         WHERE b.status = 'sending' AND b.repeat_cron IS NULL
           AND NOT EXISTS (SELECT 1 FROM broadcast_occurrences o WHERE o.broadcast_id = b.id AND o.status = 'fanning_out')
           AND NOT {Delivery.OutboundHistory.AnyUnsettledSql("b.id")}
        RETURNING b.id
        """;

    private const string LostStartsSql = """
        SELECT b.id FROM broadcasts b
         WHERE b.status IN ('approved', 'scheduled') AND b.repeat_cron IS NULL
           AND greatest(b.send_at, b.approved_at) < @Before
           AND NOT EXISTS (SELECT 1 FROM broadcast_occurrences o WHERE o.broadcast_id = b.id)
        """;

    private const string RecurringSql = "SELECT id FROM broadcasts WHERE status = 'scheduled' AND repeat_cron IS NOT NULL";

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(FinishSql, new { Now = now }, cancellationToken: ct)))
            log.LogInformation("Broadcast {Id} sent: every message reached a final status", id);

        foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(LostStartsSql, new { Before = now - LostAfter }, cancellationToken: ct)))
        {
            log.LogWarning("Broadcast {Id} was due but never started; starting it now", id);
            jobs.Enqueue<FanOutBroadcast>(job => job.StartAsync(id, CancellationToken.None));
        }

        foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(RecurringSql, cancellationToken: ct)))
        {
            if (schedule.IsRecurringJobRegistered(id)) continue;
            log.LogWarning("Recurring broadcast {Id} had no Hangfire job; registering it again", id);
            var broadcast = await Broadcast.FindAsync(conn, null, id, ct);
            if (broadcast is not null) schedule.Start(broadcast);
        }
    }
}
