using Dapper;
using Gateway.Data;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// Runs in every worker: every <see cref="Every"/> it looks for occurrences still fanning out that no live run holds
/// (the run's lease ended: its worker was killed, frozen or cut off from the database) and carries them on here, from
/// the lanes' cursors (<see cref="FanOutBroadcast"/> logs whose work it takes over). So a killed worker's fan-out goes on
/// within about FanOutBroadcast.Lease + <see cref="Every"/>, not after Hangfire's invisibility timeout; the killed
/// worker's Hangfire job, when it runs again later, finds the occurrence held or finished and does nothing.
/// </summary>
public sealed class FanOutWatch(NpgsqlDataSource db, FanOutBroadcast fanOut, DatabaseReadiness readiness, TimeProvider clock,
    ILogger<FanOutWatch> log) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    /// <summary>The job that claims a new occurrence takes its lease at once; one still without a lease after this has lost its job.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private const string StalledSql = """
        SELECT o.id
          FROM broadcast_occurrences o JOIN broadcasts b ON b.id = o.broadcast_id
         WHERE o.status = 'fanning_out' AND b.status IN ('approved', 'scheduled', 'sending')
           AND coalesce(o.runner_until, o.started_at + @StartGrace) < @Now
         ORDER BY o.id
        """;

    /// <summary>One look: carries on every occurrence no live run holds, one after another. Tests call it directly.</summary>
    public async Task<IReadOnlyList<FanOutRun>> TakeOverStalledAsync(CancellationToken ct)
    {
        List<long> stalled;
        await using (var conn = await db.OpenConnectionAsync(ct))
            stalled = (await conn.QueryAsync<long>(new CommandDefinition(StalledSql, new { Now = clock.GetUtcNow(), StartGrace },
                cancellationToken: ct))).AsList();
        var runs = new List<FanOutRun>();
        foreach (var occurrence in stalled)
            runs.Add(await fanOut.RunAsync(occurrence, ct));
        return runs;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TakeOverStalledAsync(stoppingToken);
                await Task.Delay(Every, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (e is NpgsqlException or TimeoutException)
                    log.LogWarning("Looking for stopped fan-outs failed ({Error}); looking again in {Seconds} s", e.Message, Every.TotalSeconds);
                else
                    log.LogError(e, "Looking for stopped fan-outs failed; looking again in {Seconds} s", Every.TotalSeconds);
                try
                {
                    await Task.Delay(Every, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // As DispatcherService: a host disposed without being stopped must not leave a fan-out writing through a disposed data source.
    public override void Dispose()
    {
        base.Dispose();
        try
        {
            ExecuteTask?.Wait(StopWait);
        }
        catch (AggregateException)
        {
        }
    }
}
