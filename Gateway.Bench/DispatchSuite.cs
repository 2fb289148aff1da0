using System.Diagnostics;
using System.Globalization;
using Dapper;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Tests.Support;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// dispatch: how fast the outbound pipeline hands messages to Twilio, and how exactly it paces them
/// (performance.md §8.3 B2/B3, goals G4–G6). One fresh PostgreSQL cluster, one fake Twilio on loopback; the Twilio
/// SDK makes every call, so its cost is inside the figures.
/// <list type="number">
/// <item>Throughput: N messages queued at once, sent by one worker's dispatcher to a zero-latency fake, pacing off.</item>
/// <item>Baseline, same run: one Hangfire job per message (the gateway's Hangfire settings, default worker count),
/// each job loading its row, calling the same Twilio provider and writing the outcome.</item>
/// <item>Pacing: two workers (as two Gateway.Worker processes) share one sender at 10 and at 100 msg/s with 150 ms
/// provider latency, and at 1,000 msg/s with 200 ms (latency hiding, G7); arrivals are timestamped by the fake.</item>
/// </list>
/// A step that misses its target (messages still queued at its deadline, an error) reports the miss and the suite goes
/// on. <c>--commit-delay-ms N</c> makes every commit of the cluster wait N ms (PostgreSQL's commit_delay with
/// commit_siblings = 0): a slow disk, for what the dispatcher does when its database is slow.
/// </summary>
public static class DispatchSuite
{
    public static readonly BenchSuite Suite = new(
        "outbound dispatch vs one Hangfire job per message; pacing at 10, 100 and 1,000 msg/s (options: --messages N --baseline N --pacing-seconds S --commit-delay-ms N)",
        RunAsync);

    private static async Task RunAsync(string[] args)
    {
        var messages = BenchArgs.Option(args, "--messages", 50_000);
        var baselineMessages = BenchArgs.Option(args, "--baseline", 3_000);
        var pacingSeconds = BenchArgs.Option(args, "--pacing-seconds", 20);
        var commitDelayMs = BenchArgs.Option(args, "--commit-delay-ms", 0);
        var report = new BenchReport("dispatch");

        await using var pg = await BenchDatabase.StartAsync();
        await using var twilio = FakeTwilio.Start();
        if (commitDelayMs > 0) await SlowCommitsAsync(pg, commitDelayMs, report);
        report.Add("machine load (uptime)", Load(), $"{Environment.ProcessorCount} cores, at the start");

        var batch = await StepAsync("dispatcher", report, () => MeasureDispatcherAsync(pg, twilio, messages, report));
        var perJob = await StepAsync("one job per message", report, () => MeasureOneJobPerMessageAsync(pg, twilio, baselineMessages, report));
        report.Add("dispatcher ÷ one job per message", $"{batch / perJob:F1}×", "target ≥ 25× (G4)");

        await StepAsync("pacing at 10/s", report, () => MeasurePacingAsync(pg, twilio, 10, TimeSpan.FromMilliseconds(150), pacingSeconds, report));
        await StepAsync("pacing at 100/s", report, () => MeasurePacingAsync(pg, twilio, 100, TimeSpan.FromMilliseconds(150), pacingSeconds, report));
        // Latency hiding (G7): 1,000/s at 200 ms needs about 200 requests in flight.
        await StepAsync("pacing at 1000/s", report, () => MeasurePacingAsync(pg, twilio, 1000, TimeSpan.FromMilliseconds(200), Math.Min(pacingSeconds, 10), report));

        report.Add("machine load (uptime)", Load(), "at the end");
        report.Print();
    }

    /// <summary>Runs one step; an error is reported as that step's miss, and the suite goes on.</summary>
    private static async Task<double> StepAsync(string step, BenchReport report, Func<Task<double>> measure)
    {
        try
        {
            return await measure();
        }
        catch (Exception e)
        {
            report.Add(step, "MISSED", $"stopped by {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return double.NaN;
        }
    }

    private static Task<double> StepAsync(string step, BenchReport report, Func<Task> measure) =>
        StepAsync(step, report, async () => { await measure(); return double.NaN; });

    private static async Task SlowCommitsAsync(BenchDatabase pg, int milliseconds, BenchReport report)
    {
        await using var conn = new NpgsqlConnection(pg.ConnectionString("postgres"));
        await conn.OpenAsync();
        // commit_delay is in microseconds, at most 100 ms; with commit_siblings = 0 every commit waits it.
        await conn.ExecuteAsync($"ALTER SYSTEM SET commit_delay = {Math.Min(milliseconds, 100) * 1000}");
        await conn.ExecuteAsync("ALTER SYSTEM SET commit_siblings = 0");
        await conn.ExecuteAsync("SELECT pg_reload_conf()");
        report.Add("slow commits", $"{Math.Min(milliseconds, 100)} ms per commit", "PostgreSQL commit_delay, as a slow disk");
    }

    private static string Load()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static async Task<double> MeasureDispatcherAsync(BenchDatabase pg, FakeTwilio twilio, int count, BenchReport report)
    {
        Console.WriteLine($"[dispatch] dispatcher: {count:N0} messages, pacing off, zero-latency fake Twilio");
        var db = await pg.CreateMigratedAsync("dispatch_batch");
        twilio.Latency = TimeSpan.Zero;
        using var host = await StartWorkerAsync(Settings(db, twilio, rate: 0), dispatcher: true);

        twilio.Clear();
        BenchArgs.Settle();
        var before = CpuTime.Now(pg.DataDirectory);
        var clock = Stopwatch.StartNew();
        await QueueAsync(host, db, count, "bench");
        var done = await WaitUntilDoneAsync(db, TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed;
        var cpu = CpuTime.Now(pg.DataDirectory) - before;
        await host.StopAsync();
        if (!done)
        {
            report.Add("dispatcher throughput", "MISSED", $"messages still queued after {elapsed.TotalSeconds:F0} s; {twilio.Requests.Count:N0} of {count:N0} handed over");
            return double.NaN;
        }

        var rate = count / elapsed.TotalSeconds;
        var requests = twilio.Requests.Count;
        report.Add("dispatcher throughput", $"{rate:N0} msg/s", $"{count:N0} messages in {elapsed.TotalSeconds:F1} s; target ≥ 5,000 (G4)");
        report.Add("dispatcher CPU per 1k messages", $"{cpu.Total / count * 1000:F2} CPU-s",
            $"bench process (gateway + SDK + fake Twilio) {cpu.Process:F1} s, PostgreSQL {cpu.Postgres:F1} s; G5 target ≤ 0.3 excludes the fake");
        report.Add("dispatcher requests to Twilio", $"{requests:N0}", requests == count ? "one per message" : "NOT one per message");
        return rate;
    }

    private static async Task<double> MeasureOneJobPerMessageAsync(BenchDatabase pg, FakeTwilio twilio, int count, BenchReport report)
    {
        Console.WriteLine($"[dispatch] baseline: {count:N0} messages, one Hangfire job each");
        var db = await pg.CreateMigratedAsync("dispatch_hangfire");
        using var host = await StartWorkerAsync(Settings(db, twilio, rate: 0), dispatcher: false);
        var ids = await QueueAsync(host, db, count, "baseline");
        var client = new BackgroundJobClient(host.Services.GetRequiredService<JobStorage>());
        foreach (var id in ids) client.Enqueue<SendOneMessageJob>(job => job.RunAsync(id));

        twilio.Clear();
        BenchArgs.Settle();
        var before = CpuTime.Now(pg.DataDirectory);
        var clock = Stopwatch.StartNew();
        // Hangfire's default worker count (5 per core, at most 20); the gateway's own storage settings.
        var workers = Math.Min(Environment.ProcessorCount * 5, 20);
        using (new BackgroundJobServer(new BackgroundJobServerOptions
               {
                   WorkerCount = workers,
                   Activator = host.Services.GetRequiredService<JobActivator>(),
               }, host.Services.GetRequiredService<JobStorage>()))
        {
            if (!await WaitUntilDoneAsync(db, TimeSpan.FromMinutes(10)))
                report.Add("one Hangfire job per message", "MISSED", "jobs still queued after 10 minutes");
        }
        var elapsed = clock.Elapsed;
        var cpu = CpuTime.Now(pg.DataDirectory) - before;
        await host.StopAsync();

        var rate = count / elapsed.TotalSeconds;
        report.Add("one Hangfire job per message", $"{rate:N0} msg/s",
            $"{count:N0} jobs, {workers} workers, in {elapsed.TotalSeconds:F1} s; {twilio.Requests.Count:N0} requests");
        report.Add("one job per message CPU per 1k messages", $"{cpu.Total / count * 1000:F2} CPU-s",
            $"bench process {cpu.Process:F1} s, PostgreSQL {cpu.Postgres:F1} s");
        return rate;
    }

    private static async Task MeasurePacingAsync(BenchDatabase pg, FakeTwilio twilio, int rate, TimeSpan latency, int seconds, BenchReport report)
    {
        var count = rate * seconds;
        Console.WriteLine($"[dispatch] pacing: {count:N0} messages at {rate}/s, {latency.TotalMilliseconds} ms latency, two workers");
        var db = await pg.CreateMigratedAsync($"dispatch_pacing_{rate}");
        twilio.Latency = latency;
        // Each worker keeps enough requests in flight for the whole rate (Little's law), with room to spare.
        var inFlight = Math.Max(64, (int)(rate * latency.TotalSeconds * 1.5));
        using var first = await StartWorkerAsync(Settings(db, twilio, rate, inFlight), dispatcher: true);
        using var second = await StartWorkerAsync(Settings(db, twilio, rate, inFlight), dispatcher: true);

        twilio.Clear();
        BenchArgs.Settle();
        await QueueAsync(first, db, count, $"pacing{rate}");
        var deadline = TimeSpan.FromSeconds(seconds * 3 + 30);
        var done = await WaitUntilDoneAsync(db, deadline);
        await Task.WhenAll(first.StopAsync(), second.StopAsync());
        var warnings = first.Services.GetFakeLogCollector().GetSnapshot().Concat(second.Services.GetFakeLogCollector().GetSnapshot())
            .Count(r => r.Message.Contains("came after reconciliation") || r.Message.Contains("stopped renewing") || r.Message.Contains("lost its lease"));
        report.Add($"pacing at {rate}/s: leases lost by live workers", $"{warnings}", warnings == 0 ? "none" : "MISSED: a live worker's lease ran out");
        if (!done)
            report.Add($"pacing at {rate}/s: finished", "MISSED", $"{count - twilio.Requests.Count:N0} of {count:N0} messages not handed over after {deadline.TotalSeconds:F0} s");
        if (twilio.Requests.Count < 2) return;

        var missed = first.Services.GetRequiredService<Dispatcher>().MissedSlots + second.Services.GetRequiredService<Dispatcher>().MissedSlots;
        var arrivals = twilio.Requests.Select(r => r.ArrivedTicks).Order().ToArray();
        var span = Stopwatch.GetElapsedTime(arrivals[0], arrivals[^1]).TotalSeconds;
        // n arrivals span n - 1 intervals.
        var achieved = (arrivals.Length - 1) / span;
        var maxWindow = MaxInAnyWindow(arrivals);
        report.Add($"pacing at {rate}/s: achieved", $"{achieved:F2} msg/s = {achieved / rate:P1}",
            $"{latency.TotalMilliseconds} ms latency, {inFlight} in flight per worker; {arrivals.Length:N0} requests over {span:F1} s; slots are spaced for 98.5%; {missed} messages woke > 7 ms late for their slot and went back to the queue; target ≥ 98% (G6)");
        report.Add($"pacing at {rate}/s: most in any 1-s window", $"{maxWindow}",
            maxWindow <= rate ? $"never over {rate}" : $"OVER the rate of {rate}");
        report.Add($"pacing at {rate}/s: 429s from the fake", "0", "the fake never throttles; nothing was retried");
    }


    /// <summary>The most timestamps in any half-open window [t, t + 1 s) starting at one of them.</summary>
    private static int MaxInAnyWindow(long[] sorted)
    {
        var max = 0;
        for (int start = 0, end = 0; start < sorted.Length; start++)
        {
            while (end < sorted.Length && sorted[end] - sorted[start] < Stopwatch.Frequency) end++;
            max = Math.Max(max, end - start);
        }
        return max;
    }

    private static Dictionary<string, string?> Settings(string db, FakeTwilio twilio, int rate, int inFlight = 64) => new()
    {
        ["DATABASE_URL"] = db,
        ["SMS_PROVIDER"] = "twilio",
        ["TWILIO_ACCOUNT_SID"] = FakeTwilio.AccountSid,
        ["TWILIO_AUTH_TOKEN"] = FakeTwilio.AuthToken,
        ["TWILIO_MESSAGING_SERVICE_SID"] = FakeTwilio.MessagingServiceSid,
        ["TWILIO_API_BASE_URL"] = twilio.BaseUrl.ToString(),
        ["SMS_RATE_PER_SECOND"] = rate.ToString(CultureInfo.InvariantCulture),
        ["SMS_MAX_IN_FLIGHT"] = inFlight.ToString(CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
    };

    internal static async Task<IHost> StartWorkerAsync(Dictionary<string, string?> settings, bool dispatcher)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        foreach (var (key, value) in settings) builder.Configuration[key] = value;
        builder.AddGatewayCore();
        builder.Services.AddSingleton<SendOneMessageJob>();
        // The warnings a live worker should never give (its lease running out) are counted in the report.
        builder.Services.AddFakeLogging();
        if (dispatcher) builder.Services.AddHostedService<DispatcherService>();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // The set-based producer contract (Outbox): one INSERT … SELECT through Outbox.EnqueueRowsSql, then one NOTIFY. It
    // gives each row its provider (SMS_ROUTES, through outbound_route): a row queued without one is never claimed, so
    // the dispatch benches would wait for the queue to drain until their ten-minute timeout (migration 0150).
    private static readonly string QueueSql = $"""
        WITH asked AS (
            SELECT '+86139' || lpad(i::text, 8, '0') AS to_phone, NULL::bigint AS subscriber_id, @Body AS body, @Encoding AS encoding,
                   @Segments AS segments, @Cost AS price, @Priority AS priority, 'broadcast' AS message_kind, NULL::bigint AS broadcast_id,
                   @Prefix || ':' || i AS idempotency_key, @Now AS due_at, @ExpiresAt AS valid_until, @Now AS queued_at
              FROM generate_series(1, @Count) AS i),
        queued AS ({Outbox.EnqueueRowsSql("asked", skipDuplicates: false)})
        SELECT id FROM queued
        """;

    internal static async Task<long[]> QueueAsync(IHost host, string db, int count, string prefix)
    {
        var outbox = host.Services.GetRequiredService<Outbox>();
        var prepared = outbox.Prepare("Daily tip: open a window for ten minutes, twice a day.");
        var now = DateTimeOffset.UtcNow;
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var ids = (await conn.QueryAsync<long>(QueueSql, new
        {
            prepared.Body, prepared.Encoding, prepared.Segments, prepared.Cost, Priority = (short)MessagePriority.Bulk, Prefix = prefix,
            Count = count, Now = now, ExpiresAt = outbox.ExpiresAt(now),
        }, tx)).ToArray();
        await Outbox.NotifyAsync(conn, tx, CancellationToken.None);
        await tx.CommitAsync();
        return ids;
    }

    // Cheap enough to ask every 20 ms: both states have a partial index. A count(*) of 'sent' rows would scan the
    // table each time and bill the benchmark's own polling to the engine under test.
    private const string PendingSql = "SELECT EXISTS (SELECT 1 FROM outbound_messages WHERE status IN ('queued', 'sending'))";

    /// <summary>False when messages are still queued after <paramref name="timeout"/>: the step reports the miss.</summary>
    internal static async Task<bool> WaitUntilDoneAsync(string db, TimeSpan timeout)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var deadline = Stopwatch.StartNew();
        while (await conn.ExecuteScalarAsync<bool>(PendingSql))
        {
            if (deadline.Elapsed > timeout) return false;
            await Task.Delay(20);
        }
        return true;
    }

}

/// <summary>The naive engine the dispatcher is measured against: one Hangfire job per message.</summary>
public sealed class SendOneMessageJob(NpgsqlDataSource db, ISmsProvider provider)
{
    private const string SelectSql = "SELECT recipient, body, segments FROM outbound_messages WHERE id = @Id AND status = 'queued'";

    private const string UpdateSql = """
        UPDATE outbound_messages
           SET status = 'sent', provider = @Provider, provider_message_id = @Sid, attempts = attempts + 1, sent_at = @Now, status_at = @Now
         WHERE id = @Id
        """;

    private sealed record Row(string Recipient, string Body, int Segments);

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(long id)
    {
        await using var conn = await db.OpenConnectionAsync();
        var row = await conn.QuerySingleOrDefaultAsync<Row>(SelectSql, new { Id = id });
        if (row is null) return;
        var outcome = await provider.SendAsync(new OutgoingSms(id, row.Recipient, row.Body, Delivery.Encoding.SmsEncoding.Gsm7, row.Segments), CancellationToken.None);
        if (outcome is SendOutcome.Accepted accepted)
            await conn.ExecuteAsync(UpdateSql, new { Id = id, Provider = provider.Name, Sid = accepted.ProviderMessageId, Now = DateTimeOffset.UtcNow });
    }
}
