using System.Diagnostics;
using Gateway.Data;
using Gateway.Hosting;
using Gateway.Delivery;
using Gateway.Phones;
using Gateway.Subscriptions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// Replays the spool into the pipeline as soon as the database answers again, and says in inbound_intakes that this
/// web process is alive and how many messages it still keeps (<see cref="InboundSpoolHold"/>), every second.
/// <list type="bullet">
/// <item>At start-up, before the web server takes requests, it takes over the spool files of processes that are gone
/// (a restart, a <c>kill -9</c>): nothing kept is lost by a restart.</item>
/// <item>Oldest first, each message as it was received (its original time) into <see cref="InboundPipeline"/>, which
/// is idempotent on (provider, message id): a message replayed twice (a crash between the two) changes nothing twice.</item>
/// <item>The reply the provider could not be given inline (it got an empty answer) is queued once, keyed by the message
/// id, as an <c>opt_out_confirmation</c> when the number is now opted out (the STOP confirmation, the only kind the
/// dispatcher sends to such a number) and a <c>reply</c> otherwise. A message found already handled (a retry answered
/// before) queues nothing.</item>
/// <item>It stops at the first database failure and tries again a second later; a message the pipeline refuses for
/// another reason is kept aside (<see cref="InboundSpool.KeepFailed"/>), so one bad record cannot hold the rest.</item>
/// </list>
/// Its loop runs on the real clock, whatever TimeProvider the app has.
/// </summary>
public sealed class InboundSpoolReplay(InboundSpool spool, InboundPipeline pipeline, Subscribers subscribers, Outbox outbox,
    NpgsqlDataSource db, DatabaseReadiness readiness, ILogger<InboundSpoolReplay> log) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    private int _replayed;

    public override async Task StartAsync(CancellationToken ct)
    {
        spool.AdoptOrphans();
        await spool.OpenAsync();
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Every, TimeProvider.System);
        do
        {
            await RunOnceAsync(stoppingToken);
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round: take over orphaned files, replay what waits, then tell the database how many still wait.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        try
        {
            spool.AdoptOrphans();
            if (spool.Depth > 0 || spool.HasAdopted)
            {
                // First say that messages wait here, so that dispatch waits for the whole replay: however long it takes
                // (minutes for a large spool on a loaded machine), this process's last word must not be the silence of
                // the outage, which holds dispatch only for InboundSpoolHold.SilentLimit. It is said again during the
                // replay (ReplayAsync), so that a replay longer than InboundSpoolHold.SpooledLimit holds it too.
                await HeartbeatAsync(ct);
                await ReplayAsync(ct);
            }
            await using var conn = await db.OpenConnectionAsync(ct);
            await InboundSpoolHold.HeartbeatAsync(conn, spool.Name, spool.Depth, ct);
        }
        catch (SpoolUnavailableException e) when (!ct.IsCancellationRequested)
        {
            log.LogError("Inbound spool round stopped: {Error}; trying again in {Seconds} s", e.Message, Every.TotalSeconds);
        }
        catch (Exception e) when (InboundIntake.IsDatabaseUnavailable(e) && !ct.IsCancellationRequested)
        {
            log.LogDebug("Inbound spool: database still unreachable ({Error}), {Depth} waiting", e.Message, spool.Depth);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogError(e, "Inbound spool round failed; trying again in {Seconds} s", Every.TotalSeconds);
        }
    }

    private async Task ReplayAsync(CancellationToken ct)
    {
        foreach (var file in spool.Files())
        {
            if (file.Own && file.Length == 0) continue;
            while (true)
            {
                foreach (var entry in spool.Pending(file))
                {
                    await ReplayOneAsync(entry, ct);
                    if (Stopwatch.GetElapsedTime(_saidAt) >= SayDuringReplayEvery)
                        await HeartbeatAsync(ct);
                }
                if (await spool.FinishAsync(file)) break;
            }
            if (!file.Own)
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                await InboundSpoolHold.ForgetAsync(conn, file.Intake, ct);
            }
        }
        if (_replayed > 0)
        {
            log.LogWarning("Inbound spool: {Count} message(s) kept while the database was unreachable are replayed; {Depth} waiting", _replayed, spool.Depth);
            _replayed = 0;
        }
    }

    /// <summary>During a long replay, this process says how many messages still wait this often.</summary>
    private static readonly TimeSpan SayDuringReplayEvery = TimeSpan.FromSeconds(5);

    private long _saidAt;

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await InboundSpoolHold.HeartbeatAsync(conn, spool.Name, spool.Depth, ct);
        _saidAt = Stopwatch.GetTimestamp();
    }

    private async Task ReplayOneAsync(SpoolEntry entry, CancellationToken ct)
    {
        if (entry.Message is not { } kept)
        {
            spool.KeepFailed(entry, null);
            spool.MarkReplayed(entry);
            return;
        }
        var message = kept.ToMessage();
        try
        {
            var answer = await pipeline.HandleAsync(message, ct);
            if (!answer.Duplicate && answer.Reply is { } reply)
                await QueueReplyAsync(message, reply, ct);
        }
        catch (Exception e) when (!InboundIntake.IsDatabaseUnavailable(e) && e is not OperationCanceledException)
        {
            spool.KeepFailed(entry, e);
        }
        spool.MarkReplayed(entry);
        _replayed++;
    }

    /// <summary>The one key of the reply queued for an inbound message (replayed here, or queued by an endpoint that
    /// answers without a reply, Kannel's): whichever queues it first, it exists once.</summary>
    public static string ReplyKey(InboundMessage message) => $"spooled-reply:{message.Provider}:{message.ProviderMessageId}";

    private async Task QueueReplyAsync(InboundMessage message, string reply, CancellationToken ct)
    {
        var optedOut = await subscribers.FindAsync(message.From, ct) is { IsOptedOut: true };
        await using var conn = await db.OpenConnectionAsync(ct);
        await outbox.EnqueueAsync(conn, null, new OutboundMessage(message.From, reply,
            optedOut ? MessageKinds.OptOutConfirmation : MessageKinds.Reply, MessagePriority.Critical)
        {
            DedupeKey = ReplyKey(message),
            // Back through the provider the resident wrote in on, when a route sends through it (SMS_ROUTES).
            Provider = message.Provider,
        }, ct);
        log.LogInformation("Inbound spool: reply to {MessageSid} from {From} queued", LogSanitiser.Clean(message.ProviderMessageId), Phone.Mask(message.From));
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        await base.StopAsync(ct);
        if (!readiness.IsReady) return;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            if (spool.Depth == 0)
                await InboundSpoolHold.ForgetAsync(conn, spool.Name, timeout.Token);
            else
                await InboundSpoolHold.HeartbeatAsync(conn, spool.Name, spool.Depth, timeout.Token);
        }
        catch (Exception e) when (InboundIntake.IsDatabaseUnavailable(e) || e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopped a second time (its data source already gone), or the database away: the row expires by itself.
            log.LogDebug("Inbound spool: could not say goodbye ({Error})", e.Message);
        }
    }
}

/// <summary>/health/ready's <c>inbound_spool</c> entry: how many messages wait in this process's spool, how many were kept
/// aside in <c>.failed</c> files for a person, and whether the spool can take a message now (degraded, still 200, when
/// any message waits, any was kept aside, or the spool's file or folder is gone).</summary>
public sealed class InboundSpoolHealthCheck(InboundSpool spool) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        var depth = spool.Depth;
        var failed = spool.FailedRecords();
        var writable = spool.Writable;
        var data = new Dictionary<string, object> { ["depth"] = depth, ["failed"] = failed, ["writable"] = writable };
        var problems = new List<string>();
        if (depth > 0) problems.Add($"{depth} message(s) taken while the database was unreachable wait in {spool.Folder}, replayed when it answers");
        if (failed > 0) problems.Add($"{failed} message(s) that could not be replayed are kept aside in {spool.Folder}/*.failed for a person to look at");
        if (!writable) problems.Add($"the spool in {spool.Folder} is gone: while the database is unreachable, messages are refused with 503 until this process is restarted");
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("no message waiting in the spool", data)
            : HealthCheckResult.Degraded(string.Join("; ", problems), data: data));
    }
}

public static class InboundSpoolServices
{
    /// <summary>The web process's intake and spool (INBOUND_SPOOL_PATH). Workers take no inbound messages.</summary>
    public static IServiceCollection AddInboundSpool(this IServiceCollection services)
    {
        services.AddValidatedOptions<InboundSpoolOptions, InboundSpoolOptionsValidator>();
        services.AddSingleton<InboundSpool>();
        services.AddSingleton<InboundIntake>();
        services.AddSingleton<InboundSpoolReplay>();
        services.AddHostedService(sp => sp.GetRequiredService<InboundSpoolReplay>());
        services.AddExceptionHandler<SpoolUnavailableHandler>();
        services.AddHealthChecks().AddCheck<InboundSpoolHealthCheck>("inbound_spool", tags: ["ready"]);
        return services;
    }
}
