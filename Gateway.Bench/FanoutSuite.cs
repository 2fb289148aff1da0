using System.Diagnostics;
using System.Globalization;
using Dapper;
using Gateway.Broadcasts;
using Gateway.Delivery;
using Gateway.Hosting;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Bench;

/// <summary>
/// fanout: how fast an approved broadcast becomes sendable rows of outbound_messages (performance.md §8.3 B1, goals
/// G1-G3). One fresh PostgreSQL cluster; N subscribers (default 1,000,000) loaded with binary COPY into a template
/// database (mixed languages, districts and topics, 95% active), and each engine runs on its own copy of it:
/// <list type="number">
/// <item>The gateway: the broadcast's start enqueued to Hangfire, a Hangfire server running <see cref="FanOutBroadcast"/>
/// (chunked INSERT … SELECT with audience, opt-outs and the frequency guard); time to the first committed chunk (the
/// NOTIFY that wakes the dispatchers) and to the last, and the process's memory meanwhile.</item>
/// <item>The physical floor: one raw INSERT … SELECT of the same rows into the same table (same indexes).</item>
/// <item>The naive baseline: one Hangfire job per recipient on a sample (default 10,000), each inserting its row.</item>
/// </list>
/// </summary>
public static class FanoutSuite
{
    public static readonly BenchSuite Suite = new(
        "broadcast fan-out vs the raw INSERT … SELECT and one Hangfire job per recipient (options: --subscribers N --naive N, 0 skips it)",
        RunAsync);

    private const string ZhText = "防疫提醒：外出、排队、领物资、去医院时，请全程戴好口罩，与他人保持1米以上距离。";
    private const string EnText = "Reminder: wear a mask whenever you go out, queue, collect supplies or visit a clinic. Keep 1 metre from others.";

    private static readonly string[] Districts = ["jiangan", "jianghan", "qiaokou", "hanyang", "wuchang", "qingshan", "hongshan",
        "dongxihu", "hannan", "caidian", "jiangxia", "huangpi", "xinzhou"];

    private static async Task RunAsync(string[] args)
    {
        var subscribers = BenchArgs.Option(args, "--subscribers", 1_000_000);
        var naiveSample = BenchArgs.Option(args, "--naive", 10_000);
        var report = new BenchReport("fanout");

        await using var pg = await BenchDatabase.StartAsync();
        var template = await pg.CreateMigratedAsync("fanout_template");
        var load = Stopwatch.StartNew();
        var recipients = await LoadSubscribersAsync(template, subscribers);
        Console.WriteLine($"[fanout] {subscribers:N0} subscribers loaded with COPY in {load.Elapsed.TotalSeconds:F1} s; {recipients:N0} active with a topic");
        report.Add("subscribers", $"{subscribers:N0}", $"{recipients:N0} receive the broadcast (active, any topic); loaded by binary COPY in {load.Elapsed.TotalSeconds:F1} s");

        var gateway = await MeasureGatewayAsync(pg, recipients, report);
        var raw = await MeasureRawAsync(pg, recipients, report);
        var naive = naiveSample > 0 ? await MeasureNaiveAsync(pg, naiveSample, report) : double.NaN;

        report.Add("gateway ÷ raw floor (time)", $"{gateway.TotalSeconds / raw.TotalSeconds:F2}×", "target ≤ 1.6× (G1: ≥ 0.6× the floor's rate)");
        var gatewayRate = recipients / gateway.TotalSeconds;
        if (!double.IsNaN(naive))
            report.Add("gateway ÷ one job per recipient (rate)", $"{gatewayRate / naive:N0}×", "target ≥ 200× (G2)");
        report.Print();
    }

    // ---- The data ------------------------------------------------------------------------------------------------

    internal static async Task<long> LoadSubscribersAsync(string db, int count)
    {
        var random = new Random(42);
        var now = DateTime.UtcNow;
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        await using (var writer = await conn.BeginBinaryImportAsync("COPY subscribers (phone, language, status, region, created_at, opted_out_at) FROM STDIN (FORMAT BINARY)"))
        {
            writer.Timeout = TimeSpan.FromMinutes(10);
            for (var i = 1; i <= count; i++)
            {
                var optedOut = random.NextDouble() < 0.05;
                await writer.StartRowAsync();
                await writer.WriteAsync($"+86139{i:D8}", NpgsqlDbType.Text);
                await writer.WriteAsync(random.NextDouble() < 0.75 ? "zh" : "en", NpgsqlDbType.Text);
                await writer.WriteAsync(optedOut ? "opted_out" : "active", NpgsqlDbType.Text);
                await writer.WriteAsync(Districts[random.Next(Districts.Length)], NpgsqlDbType.Text);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                if (optedOut) await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                else await writer.WriteNullAsync();
            }
            await writer.CompleteAsync();
        }
        // Identity ids were assigned 1..count in COPY order; every subscriber has at least one topic.
        await using (var writer = await conn.BeginBinaryImportAsync("COPY subscriptions (subscriber_id, topic, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            // Completing runs the tally triggers over all the rows: more than the default 30 s on a loaded machine.
            writer.Timeout = TimeSpan.FromMinutes(10);
            for (long id = 1; id <= count; id++)
            {
                var any = false;
                foreach (var (topic, share) in new[] { ("notices", 0.8), ("tips", 0.3), ("lessons", 0.15), ("mental-health", 0.1) })
                {
                    if (random.NextDouble() >= share && (any || topic != "mental-health")) continue;
                    any = true;
                    await writer.StartRowAsync();
                    await writer.WriteAsync(id, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(topic, NpgsqlDbType.Text);
                    await writer.WriteAsync(now, NpgsqlDbType.TimestampTz);
                }
            }
            await writer.CompleteAsync();
        }
        foreach (var sql in new[] { "VACUUM ANALYZE subscribers", "VACUUM ANALYZE subscriptions", "CHECKPOINT" })
        {
            // Not through Dapper: it takes a one-word command text (CHECKPOINT) for a stored procedure's name.
            await using var command = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM subscribers WHERE status = 'active'");
    }

    // ---- (a) the gateway -----------------------------------------------------------------------------------------

    private static async Task<TimeSpan> MeasureGatewayAsync(BenchDatabase pg, long recipients, BenchReport report)
    {
        Console.WriteLine("[fanout] gateway: Hangfire starts the fan-out job");
        var db = await pg.CopyAsync("fanout_template", "fanout_gateway");
        using var host = await StartHostAsync(db);
        var broadcastId = await InsertApprovedBroadcastAsync(db);

        await using var listener = new NpgsqlConnection(db);
        await listener.OpenAsync();
        long firstNotify = 0;
        listener.Notification += (_, _) => Interlocked.CompareExchange(ref firstNotify, Stopwatch.GetTimestamp(), 0);
        await listener.ExecuteAsync($"LISTEN {Outbox.Channel}");
        using var stopListening = new CancellationTokenSource();
        var listening = Task.Run(async () =>
        {
            try { while (true) await listener.WaitAsync(stopListening.Token); }
            catch (OperationCanceledException) { }
        });

        BenchArgs.Settle();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var (baseWorkingSet, baseHeap) = (process.WorkingSet64, GC.GetTotalMemory(false));
        long peakWorkingSet = baseWorkingSet, peakHeap = baseHeap;
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                process.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                await Task.Delay(20);
            }
        });

        var before = CpuTime.Now(pg.DataDirectory);
        var storage = host.Services.GetRequiredService<JobStorage>();
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            Queues = JobServer.Queues,
            WorkerCount = Math.Clamp(Environment.ProcessorCount * 2, 2, 8),
            Activator = host.Services.GetRequiredService<JobActivator>(),
        }, storage);
        var start = Stopwatch.GetTimestamp();
        new BackgroundJobClient(storage).Enqueue<FanOutBroadcast>(job => job.StartAsync(broadcastId, CancellationToken.None));

        await using (var poll = new NpgsqlConnection(db))
        {
            await poll.OpenAsync();
            while (await poll.ExecuteScalarAsync<string?>("SELECT status FROM broadcast_occurrences WHERE broadcast_id = @broadcastId", new { broadcastId }) != "fanned_out")
            {
                if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(10)) throw new TimeoutException("fan-out not done after 10 minutes");
                await Task.Delay(10);
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpu = CpuTime.Now(pg.DataDirectory) - before;
        stopSampling.Cancel();
        await sampling;
        stopListening.Cancel();
        await listening;
        var first = firstNotify == 0 ? (TimeSpan?)null : Stopwatch.GetElapsedTime(start, firstNotify);

        await using var check = new NpgsqlConnection(db);
        await check.OpenAsync();
        var rows = await check.ExecuteScalarAsync<long>("SELECT count(*) FROM outbound_messages");
        var planned = await check.ExecuteScalarAsync<long>("SELECT planned FROM broadcast_occurrences WHERE broadcast_id = @broadcastId", new { broadcastId });
        report.Add("gateway fan-out: all rows committed", $"{elapsed.TotalSeconds:F2} s",
            $"{rows:N0} rows ({recipients / elapsed.TotalSeconds:N0} rows/s) from Hangfire enqueue to the last chunk; target ≤ 10 s (G1)" + (rows == recipients && planned == rows ? "" : $"; ROWS {rows:N0} ≠ {recipients:N0}"));
        report.Add("gateway fan-out: first rows dispatchable", first is { } f ? $"{f.TotalSeconds:F2} s" : "never",
            $"enqueue to the first chunk's commit (its NOTIFY); first chunk {FanOutBroadcast.FirstChunkSize:N0} subscriber ids, then {FanOutBroadcast.ChunkSize:N0}; target ≤ 2 s (G3)");
        report.Add("gateway fan-out: memory", $"+{(peakWorkingSet - baseWorkingSet) / 1048576.0:F0} MiB working set, +{(peakHeap - baseHeap) / 1048576.0:F1} MiB GC heap",
            $"peaks during the fan-out over the process before it (working set {baseWorkingSet / 1048576.0:F0} MiB): no audience in memory");
        report.Add("gateway fan-out: CPU", $"{cpu.Total:F1} CPU-s", $"bench process {cpu.Process:F1} s, PostgreSQL {cpu.Postgres:F1} s");
        await host.StopAsync();
        return elapsed;
    }

    private const string InsertBroadcastSql = """
        INSERT INTO broadcasts (title, content, send_at, status, created_by, created_at, approved_by, approved_at)
        VALUES ('Mask reminder', @Content::jsonb, @Now, 'approved', 'bench-editor', @Now, 'bench-approver', @Now)
        RETURNING id
        """;

    private static async Task<long> InsertApprovedBroadcastAsync(string db)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        // At night (city time) quiet hours move the rows' due time, not the work of writing them.
        var content = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["zh"] = ZhText, ["en"] = EnText });
        return await conn.ExecuteScalarAsync<long>(InsertBroadcastSql, new { Content = content, Now = DateTimeOffset.UtcNow });
    }

    // ---- (b) the physical floor ----------------------------------------------------------------------------------

    // The same rows, one statement: no chunks, no guard, no per-chunk commits.
    private const string RawSql = """
        INSERT INTO outbound_messages (recipient, subscriber_id, body, encoding, segments, cost, priority, kind,
                                       broadcast_id, not_before, expires_at, created_at, status_at)
        SELECT s.phone, s.id, b.body, b.encoding, b.segments, b.cost, 2, 'broadcast', 1, @Now, @ExpiresAt, @Now, @Now
          FROM subscribers s
          JOIN unnest(@Languages, @Bodies, @Encodings, @Segments, @Costs) AS b (language, body, encoding, segments, cost) ON b.language = s.language
         WHERE s.status = 'active' AND EXISTS (SELECT 1 FROM subscriptions t WHERE t.subscriber_id = s.id)
        """;

    private static async Task<TimeSpan> MeasureRawAsync(BenchDatabase pg, long recipients, BenchReport report)
    {
        Console.WriteLine("[fanout] raw INSERT … SELECT");
        var db = await pg.CopyAsync("fanout_template", "fanout_raw");
        using var host = await StartHostAsync(db);
        var outbox = host.Services.GetRequiredService<Outbox>();
        var (zh, en) = (outbox.Prepare(ZhText), outbox.Prepare(EnText));
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        BenchArgs.Settle();
        var before = CpuTime.Now(pg.DataDirectory);
        var clock = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        var rows = await conn.ExecuteAsync(RawSql, new
        {
            Now = now, ExpiresAt = now.AddHours(4),
            Languages = new[] { "zh", "en" }, Bodies = new[] { zh.Body, en.Body }, Encodings = new[] { zh.Encoding, en.Encoding },
            Segments = new[] { zh.Segments, en.Segments }, Costs = new[] { zh.Cost, en.Cost },
        }, commandTimeout: 600);
        var elapsed = clock.Elapsed;
        var cpu = CpuTime.Now(pg.DataDirectory) - before;
        report.Add("raw INSERT … SELECT (floor)", $"{elapsed.TotalSeconds:F2} s",
            $"{rows:N0} rows ({rows / elapsed.TotalSeconds:N0} rows/s), one statement, same table and indexes; {cpu.Total:F1} CPU-s" + (rows == recipients ? "" : $"; ROWS ≠ {recipients:N0}"));
        await host.StopAsync();
        return elapsed;
    }

    // ---- (c) one Hangfire job per recipient ----------------------------------------------------------------------

    private static async Task<double> MeasureNaiveAsync(BenchDatabase pg, int sample, BenchReport report)
    {
        Console.WriteLine($"[fanout] naive: one Hangfire job per recipient, {sample:N0} recipients");
        var db = await pg.CopyAsync("fanout_template", "fanout_naive");
        using var host = await StartHostAsync(db, naive: true);
        var broadcastId = await InsertApprovedBroadcastAsync(db);
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var ids = (await conn.QueryAsync<long>("""
            SELECT s.id FROM subscribers s
             WHERE s.status = 'active' AND EXISTS (SELECT 1 FROM subscriptions t WHERE t.subscriber_id = s.id)
             ORDER BY s.id LIMIT @sample
            """, new { sample })).ToList();

        var storage = host.Services.GetRequiredService<JobStorage>();
        var workers = Math.Min(Environment.ProcessorCount * 5, 20);
        BenchArgs.Settle();
        var clock = Stopwatch.StartNew();
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers, Activator = host.Services.GetRequiredService<JobActivator>() }, storage))
        {
            // What a naive fan-out does: enqueue a job per recipient, while the workers already drain the queue.
            var client = new BackgroundJobClient(storage);
            foreach (var id in ids) client.Enqueue<InsertOneRecipientJob>(job => job.RunAsync(broadcastId, id));
            while (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM outbound_messages") < ids.Count)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(15)) throw new TimeoutException("naive fan-out not done after 15 minutes");
                await Task.Delay(50);
            }
        }
        var elapsed = clock.Elapsed;
        var rate = ids.Count / elapsed.TotalSeconds;
        report.Add("one Hangfire job per recipient", $"{rate:N0} rows/s",
            $"{ids.Count:N0} jobs enqueued by one loop while {workers} workers drain them, {elapsed.TotalSeconds:F1} s; 1M would take {1_000_000 / rate / 60:F0} min");
        await host.StopAsync();
        return rate;
    }

    private static async Task<IHost> StartHostAsync(string db, bool naive = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration["DATABASE_URL"] = db;
        builder.Configuration["SMS_PROVIDER"] = "simulator";
        builder.Configuration["SIMULATOR_ENABLED"] = "true";
        builder.Configuration["SMS_RATE_PER_SECOND"] = "0";
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.AddGatewayCore();
        if (naive) builder.Services.AddTransient<InsertOneRecipientJob>();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }


}

/// <summary>The naive engine: one Hangfire job per recipient, reading the subscriber and queueing its one message.</summary>
public sealed class InsertOneRecipientJob(NpgsqlDataSource db, Outbox outbox)
{
    private const string SelectSql = "SELECT phone, language FROM subscribers WHERE id = @Id AND status = 'active'";

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(long broadcastId, long subscriberId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var subscriber = await conn.QuerySingleOrDefaultAsync<(string Phone, string Language)?>(SelectSql, new { Id = subscriberId });
        if (subscriber is not { } s) return;
        var body = s.Language == "en"
            ? "Reminder: wear a mask whenever you go out, queue, collect supplies or visit a clinic. Keep 1 metre from others."
            : "防疫提醒：外出、排队、领物资、去医院时，请全程戴好口罩，与他人保持1米以上距离。";
        await outbox.EnqueueAsync(conn, null, new OutboundMessage(s.Phone, body, MessageKinds.Broadcast, MessagePriority.Bulk)
        {
            SubscriberId = subscriberId,
            BroadcastId = broadcastId,
        }, CancellationToken.None);
    }
}
