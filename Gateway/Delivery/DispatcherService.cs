using Gateway.Data;
using Gateway.Phones;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Delivery;

/// <summary>
/// Runs the dispatcher in the worker (Gateway.Worker, or the web process in local mode): a few concurrent
/// claim-send-record loops, woken by NOTIFY on enqueue with a one-second poll as fallback (for rows that become
/// due by time, and for when the LISTEN connection is down), plus a reconciliation pass every few seconds; all of it
/// once for each provider SMS_ROUTES names, each with its own dispatcher (its rows, its sender's pace).
/// </summary>
public sealed class DispatcherService(IServiceProvider services, IOptions<DeliveryOptions> options, Inbound.InboundSpoolHoldWatch holds,
    NpgsqlDataSource db, DatabaseReadiness readiness, TimeProvider clock, ILogger<DispatcherService> log) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReconcileEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ErrorPause = TimeSpan.FromSeconds(2);

    /// <summary>How long disposal waits for passes to record their outcomes (in-flight sends end within the provider's timeout).</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        var loops = new List<Task> { ListenAsync(stoppingToken), WatchInboundHoldsAsync(stoppingToken) };
        foreach (var provider in options.Value.SmsRoutes.Providers)
        {
            var dispatcher = services.GetRequiredKeyedService<Dispatcher>(provider);
            var reconcile = services.GetRequiredKeyedService<ReconcileDeliveries>(provider);
            await dispatcher.WarmUpAsync(stoppingToken);
            // The sender is a Messaging Service SID, the simulator, or the bureau's own number (masked like any number in logs).
            var sender = dispatcher.Sender.StartsWith('+') ? Phone.Mask(dispatcher.Sender) : dispatcher.Sender;
            log.LogInformation("Dispatcher started for {Provider} ({Passes} concurrent passes, sender {Sender}, {Rate} segments/s)",
                provider, Dispatcher.ConcurrentPasses, sender, options.Value.RateFor(provider));
            loops.AddRange(Enumerable.Range(0, Dispatcher.ConcurrentPasses).Select(_ => DispatchLoopAsync(dispatcher, stoppingToken)));
            loops.Add(ReconcileLoopAsync(reconcile, stoppingToken));
        }
        await Task.WhenAll(loops);
    }

    private void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task DispatchLoopAsync(Dispatcher dispatcher, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var woken = _wake.Task;
            try
            {
                var pass = await dispatcher.DispatchOnceAsync(ct);
                if (pass.WaitFor is { } booked)
                    await Task.Delay(booked < Poll ? booked : Poll, clock, ct);
                else if (pass.Claimed == 0)
                    await WaitForWorkAsync(woken, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Dispatch pass for {Provider} failed; retrying in {Pause}s", dispatcher.Provider, ErrorPause.TotalSeconds);
                await PauseAsync(ct);
            }
        }
    }

    private async Task WaitForWorkAsync(Task woken, CancellationToken ct)
    {
        try
        {
            await woken.WaitAsync(Poll, clock, ct);
        }
        catch (TimeoutException)
        {
        }
    }

    // Says at warning while web processes hold dispatch (Inbound/InboundSpoolHold.cs): once for the process, whatever its routes.
    private async Task WatchInboundHoldsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await holds.CheckAsync(ct);
                await Task.Delay(ReconcileEvery, clock, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogDebug("Could not read the inbound spools' holds ({Error})", e.Message);
                await PauseAsync(ct);
            }
        }
    }

    private async Task ReconcileLoopAsync(ReconcileDeliveries reconcile, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await reconcile.ReconcileOnceAsync(ct);
                await Task.Delay(ReconcileEvery, clock, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogError(e, "Reconciliation pass failed");
                await PauseAsync(ct);
            }
        }
    }

    // A dedicated connection that LISTENs; if it drops (database restart, terminated backend) it reconnects,
    // and meanwhile the loops poll.
    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                conn.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {Outbox.Channel}", conn))
                    await listen.ExecuteNonQueryAsync(ct);
                try
                {
                    Wake();
                    while (!ct.IsCancellationRequested)
                        await conn.WaitAsync(ct);
                }
                finally
                {
                    // Pooled connections are not reset on return (Data/Database.cs): leave no LISTEN behind for the next user.
                    if (conn.State == System.Data.ConnectionState.Open)
                        await using (var unlisten = new NpgsqlCommand("UNLISTEN *", conn))
                            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning("LISTEN {Channel} lost ({Error}); polling until it is back", Outbox.Channel, e.Message);
                await PauseAsync(ct);
            }
        }
    }

    // A host disposed without being stopped (a crashed benchmark, a test) cancels this service but does not wait for it,
    // and passes would then record their outcomes through a disposed data source. The container disposes this service
    // before the data source it was built with, so waiting here lets them finish.
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

    private async Task PauseAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(ErrorPause, clock, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
