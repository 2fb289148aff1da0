using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// The quiet-hours backstop for every bulk message (priority Bulk: broadcasts, tips, scheduled lessons), run every
/// minute: during quiet hours, queued bulk messages due before the window ends wait for its end, keeping their
/// validity. Producers already queue with <see cref="QuietHours.NextAllowed"/>; this catches what they could not
/// foresee: a big broadcast started at 20:00 whose last messages would still be going out at 21:00, a retry or a
/// deferral that lands in the night. A message already past its validity is left to expire: scheduled lessons and
/// tips are valid only until quiet hours begin, and the lessons planner sends an expired one again the next day,
/// so moving it would deliver yesterday's lesson beside today's. Between quiet hours starting and this job's next run (a minute, plus Hangfire's
/// scheduling delay) bulk messages already due can still go out.
/// </summary>
public sealed class HoldForQuietHours(NpgsqlDataSource db, Delivery.Outbox outbox, QuietHours quietHours, TimeProvider clock, ILogger<HoldForQuietHours> log)
{
    public const string JobId = "broadcasts:quiet-hours";

    /// <summary>Returns how many messages were held.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (!quietHours.IsQuiet(now)) return 0;
        var opens = quietHours.NextAllowed(now);
        await using var conn = await db.OpenConnectionAsync(ct);
        var held = await outbox.HoldBulkUntilAsync(conn, opens, ct);
        if (held > 0) log.LogInformation("Quiet hours ({Window}): {Held} bulk messages wait until {Opens:u}", quietHours, held, opens);
        return held;
    }
}
