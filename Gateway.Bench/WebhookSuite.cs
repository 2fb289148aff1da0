using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// B5 (performance.md §8.3; goals G9-G10): the real gateway (Program, Release build, Kestrel on loopback, a fresh
/// PostgreSQL with durable commits) receiving signed Twilio SMS webhooks, each with its own MessageSid, routed and
/// answered with TwiML. Measured in the same run against baselines hosted beside it (bench only, not in the
/// product): an endpoint that only parses the form, and one that parses it and inserts one row (the physical
/// minimum of a store-first webhook, performance.md §1 "Web"), on the gateway's pool and on one with Npgsql's defaults.
///   saturation: wrk, closed loop, 64 connections;
///   latency:    a constant-rate open-loop generator in a second process, at 1,000 requests/s offered: parse-only once,
///               then, after a checkpoint and a discarded run, the webhook and the parse + insert baseline three times
///               each, interleaved;
///               the verdict on the median run by p99, each run shown with the disk's slowest fsync (<see cref="DiskProbe"/>).
/// </summary>
public static class WebhookSuite
{
    public static readonly BenchSuite Suite = new(
        "signed Twilio SMS webhook: req/s at saturation (wrk) and p50/p99 at a fixed 1,000 req/s, vs parse-only baselines",
        RunAsync);

    private const string FormOnlyPath = "/bench/form-only";
    private const string FormInsertPath = "/bench/form-insert";
    private const string FormInsertDefaultsPath = "/bench/form-insert-npgsql-defaults";

    private static async Task RunAsync(string[] args)
    {
        if (args is [ConstantRateLoad.Flag, .. var rest])
        {
            await ConstantRateLoad.RunAsync(rest);
            return;
        }
        int Option(string name, int fallback) => BenchArgs.Option(args, name, fallback);
        var seconds = Option("--seconds", 10);
        var rate = Option("--rate", 1000);
        var connections = Option("--connections", 64);

        var profile = args.Contains(ProfileFlag);
        var diagnose = args.Contains(WebhookDiagnosis.Flag);

        Wrk.EnsureInstalled();
        var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        await using var database = await BenchDatabase.StartAsync(profile ? new Dictionary<string, string> { ["shared_preload_libraries"] = "pg_stat_statements" }
            : diagnose ? WebhookDiagnosis.ServerSettings : null);
        var connectionString = await database.CreateMigratedAsync("webhook");
        await using (var conn = new NpgsqlConnection(connectionString))
            await conn.ExecuteAsync(BenchInboundTableSql + (profile ? ";\nCREATE EXTENSION IF NOT EXISTS pg_stat_statements" : ""));

        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        // The same baseline as performance.md §1 measured it (7,900-9,400 req/s there): Npgsql's defaults, pool of 32, no
        // statement preparation, the session reset on every return to the pool. The gateway's own pool prepares and skips the reset.
        await using var npgsqlDefaults = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 32 } }.Build();
        await using var gateway = new BenchGateway(connectionString, baseUrl, npgsqlDefaults);
        gateway.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        gateway.StartServer();

        // The signed requests (hundreds of MB) in memory when the machine has a tmpfs: written to disk, their writeback
        // stalled the database's commits for 100-300 ms in the middle of the fixed-rate run (webhook --diagnose).
        var directory = Directory.Exists("/dev/shm")
            ? Directory.CreateDirectory(Path.Combine("/dev/shm", $"gateway-bench-webhook-{Environment.ProcessId}")).FullName
            : Directory.CreateTempSubdirectory("gateway-bench-webhook-").FullName;
        try
        {
            var perSaturatedRun = Math.Max(20_000, 15_000 * seconds);   // more than the gateway can take in a run: no MessageSid is replayed
            string Requests(int run, int count) => WebhookRequests.Write(directory, run, count, baseUrl);

            // A whole discarded run (performance.md §8.1): shorter warm-ups left the JIT still promoting methods through
            // the first measured run, which then cost the gateway a third more CPU per request than the later ones.
            Console.WriteLine($"Gateway on {baseUrl}; warming up ({seconds} s, discarded) …");
            Wrk.Run(baseUrl + WebhookRequests.Path, Requests(0, perSaturatedRun), connections, seconds);
            Wrk.Run(baseUrl + FormOnlyPath, Requests(1, 20_000), connections, 2);
            if (profile)
            {
                await ProfileAsync(connectionString, database, baseUrl, Requests(3, perSaturatedRun), connections, seconds, loadBefore);
                return;
            }
            if (diagnose)
            {
                await WebhookDiagnosis.RunAsync(baseUrl + WebhookRequests.Path, Requests, rate, Math.Max(10, seconds + 5), database.DataDirectory, directory,
                    [("parse only", baseUrl + FormOnlyPath), ("parse + insert", baseUrl + FormInsertPath)]);
                return;
            }

            // The warm-up's writes flushed first: their writeback would otherwise stall the first run's commits.
            await database.CheckpointAsync();
            Console.WriteLine($"Fixed rate {rate}/s (second process): parse-only, then the webhook and parse + insert three times, interleaved …");
            var fixedSeconds = Math.Max(10, seconds + 5);
            var formOnlyAtRate = await ConstantRateLoad.RunInChildProcessAsync(baseUrl + FormOnlyPath, Requests(6, rate * (fixedSeconds + 1)), rate, fixedSeconds);
            // A discarded run at the rate first: the first run after the checkpoint pays for full-page images in the WAL and
            // the thread pool settling from saturation (its p99 was 4-10 times the later runs').
            await ConstantRateLoad.RunInChildProcessAsync(baseUrl + WebhookRequests.Path, Requests(17, rate * (fixedSeconds + 1)), rate, fixedSeconds);
            var webhooksAtRate = new List<(ConstantRateLoad.Result Result, string Cpu, Machine Machine)>();
            var insertsAtRate = new List<(ConstantRateLoad.Result Result, Machine Machine)>();
            var probeDirectory = Path.Combine(database.DataDirectory, "..");
            async Task<(ConstantRateLoad.Result, Machine)> AtRateWatched(string path, string file)
            {
                using var disk = new DiskProbe(probeDirectory);
                var stolen = CpuTime.Stolen();
                var result = await ConstantRateLoad.RunInChildProcessAsync(baseUrl + path, file, rate, fixedSeconds);
                return (result, new Machine(disk.Stop(), CpuTime.Stolen() - stolen, fixedSeconds));
            }
            for (var i = 0; i < 3; i++)
            {
                var webhookFile = Requests(i == 0 ? 7 : 11 + i, rate * (fixedSeconds + 1));   // signed before the CPU count starts
                var before = CpuTime.Now(database.DataDirectory);
                var (webhook, webhookMachine) = await AtRateWatched(WebhookRequests.Path, webhookFile);
                webhooksAtRate.Add((webhook, Cost(before, CpuTime.Now(database.DataDirectory), rate * (fixedSeconds + 1)), webhookMachine));
                insertsAtRate.Add(await AtRateWatched(FormInsertPath, Requests(14 + i, rate * (fixedSeconds + 1))));
            }
            // The median run by p99: one disk stall in one run moves one figure, not the verdict.
            var webhookAtRate = webhooksAtRate.OrderBy(w => w.Result.P99Ms).ElementAt(1).Result;
            var insertAtRate = insertsAtRate.OrderBy(w => w.Result.P99Ms).ElementAt(1).Result;
            // G17 asks for its p99 on an idle machine: the runs the host left alone are judged apart as well.
            var idleWebhooks = webhooksAtRate.Where(w => w.Machine.Idle).Select(w => w.Result).OrderBy(w => w.P99Ms).ToList();

            Console.WriteLine("Saturation (wrk) …");
            (Wrk.Result Result, string Cpu) Saturate(string path, int run)
            {
                var file = Requests(run, perSaturatedRun);
                var start = CpuTime.Now(database.DataDirectory);
                var result = Wrk.Run(baseUrl + path, file, connections, seconds);
                return (result, Cost(start, CpuTime.Now(database.DataDirectory), result.Requests));
            }
            // Interleaved, so that a slow spell of the shared machine or a table growing through the runs weighs on
            // all: the webhook three times, each insert baseline twice between them (performance.md §8.1: median, min-max).
            var (formOnly, formOnlyCpu) = Saturate(FormOnlyPath, 2);
            var webhooks = new List<(Wrk.Result Result, string Cpu)> { Saturate(WebhookRequests.Path, 3) };
            var formInserts = new List<(Wrk.Result Result, string Cpu)> { Saturate(FormInsertPath, 4) };
            var defaultsInserts = new List<(Wrk.Result Result, string Cpu)> { Saturate(FormInsertDefaultsPath, 10) };
            webhooks.Add(Saturate(WebhookRequests.Path, 5));
            defaultsInserts.Add(Saturate(FormInsertDefaultsPath, 11));
            formInserts.Add(Saturate(FormInsertPath, 8));
            webhooks.Add(Saturate(WebhookRequests.Path, 9));

            await Task.Delay(TimeSpan.FromSeconds(2));   // requests still in flight when wrk stopped
            await using var check = new NpgsqlConnection(connectionString);
            var (stored, unhandled, subscribers) = await check.QuerySingleAsync<(long, long, long)>(
                "SELECT count(*), count(*) FILTER (WHERE handled_at IS NULL), (SELECT count(*) FROM subscribers) FROM inbound_messages");

            var (updates, hotUpdates) = await check.QuerySingleAsync<(long, long)>(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'inbound_messages'");

            var webhookRates = webhooks.Select(w => w.Result.RequestsPerSecond).Order().ToList();
            var webhookRps = webhookRates[1];   // the median of three
            var formInsertRps = formInserts.Average(f => f.Result.RequestsPerSecond);
            var defaultsInsertRps = defaultsInserts.Average(f => f.Result.RequestsPerSecond);
            var report = new BenchReport("webhook");
            report.Add("baseline: parse form only, saturation", $"{formOnly.RequestsPerSecond:F0} req/s", Errors(formOnly));
            for (var i = 0; i < formInserts.Count; i++)
                report.Add($"baseline: parse form + 1 INSERT … ON CONFLICT, saturation run {i + 1}", $"{formInserts[i].Result.RequestsPerSecond:F0} req/s", Errors(formInserts[i].Result));
            for (var i = 0; i < defaultsInserts.Count; i++)
                report.Add($"baseline: the same with Npgsql's defaults (performance.md §1), saturation run {i + 1}", $"{defaultsInserts[i].Result.RequestsPerSecond:F0} req/s", Errors(defaultsInserts[i].Result));
            for (var i = 0; i < webhooks.Count; i++)
                report.Add($"webhook (signed, stored, routed, TwiML), saturation run {i + 1}", $"{webhooks[i].Result.RequestsPerSecond:F0} req/s", Errors(webhooks[i].Result));
            report.Add("webhook, saturation: median (min-max)", $"{webhookRps:F0} req/s", $"{webhookRates[0]:F0}-{webhookRates[2]:F0} req/s");
            report.Add("CPU ms per request (gateway process / PostgreSQL): parse-only", formOnlyCpu, "steadier than req/s on a shared machine");
            report.Add("CPU ms per request: parse + insert, each run", string.Join("; ", formInserts.Select(f => f.Cpu)), "");
            report.Add("CPU ms per request: parse + insert with Npgsql's defaults, each run", string.Join("; ", defaultsInserts.Select(f => f.Cpu)), "");
            report.Add("CPU ms per request: webhook, each run", string.Join("; ", webhooks.Select(w => w.Cpu)), "");
            report.Add($"CPU ms per request: webhook at {rate}/s, each run", string.Join("; ", webhooksAtRate.Select(w => w.Cpu)), "");
            report.Add("webhook / parse-only", Ratio(webhookRps, formOnly.RequestsPerSecond), "same run");
            report.Add("webhook / parse + insert", Ratio(webhookRps, formInsertRps), "median ÷ mean of the baseline's runs; G9 target ≥ 0.55");
            report.Add("webhook / parse + insert with Npgsql's defaults", Ratio(webhookRps, defaultsInsertRps),
                "the baseline as performance.md §1 measured it, from which G9's 0.55× was set (0.55 × 7,900-9,400 ≈ 5,000)");
            report.Add("G9 webhook ≥ 5,000 req/s (floor 2,500)", webhookRps >= 5000 ? "PASS" : webhookRps >= 2500 ? "floor only" : "FAIL", $"{webhookRps:F0} req/s");
            report.Add($"baseline parse-only at {rate}/s: p50 / p99", $"{formOnlyAtRate.P50Ms:F2} / {formOnlyAtRate.P99Ms:F2} ms", AtRate(formOnlyAtRate));
            for (var i = 0; i < webhooksAtRate.Count; i++)
            {
                var (w, _, wMachine) = webhooksAtRate[i];
                var (b, bMachine) = insertsAtRate[i];
                report.Add($"webhook at {rate}/s, run {i + 1}: p50 / p90 / p99 / max", $"{w.P50Ms:F2} / {w.P90Ms:F2} / {w.P99Ms:F2} / {w.MaxMs:F2} ms", $"{AtRate(w)}; {wMachine}");
                report.Add($"baseline parse + insert at {rate}/s, run {i + 1}: p50 / p90 / p99 / max", $"{b.P50Ms:F2} / {b.P90Ms:F2} / {b.P99Ms:F2} / {b.MaxMs:F2} ms", $"{AtRate(b)}; {bMachine}");
            }
            report.Add($"webhook at {rate}/s, the median run by p99: p50 / p90 / p99", $"{webhookAtRate.P50Ms:F2} / {webhookAtRate.P90Ms:F2} / {webhookAtRate.P99Ms:F2} ms", AtRate(webhookAtRate));
            report.Add($"webhook at {rate}/s, the median run: p99.9 / max", $"{webhookAtRate.P999Ms:F2} / {webhookAtRate.MaxMs:F2} ms", "");
            report.Add("webhook p99 / parse-only p99 at the same rate", Ratio(webhookAtRate.P99Ms, formOnlyAtRate.P99Ms), "same run");
            report.Add("webhook p99 / parse + insert p99 at the same rate (median runs)", Ratio(webhookAtRate.P99Ms, insertAtRate.P99Ms),
                "the baseline waits for the same durable commits: a stalled disk shows in both");
            report.Add("G10 p50 ≤ 2 ms, p99 ≤ 15 ms, 0 errors (the median run)", MeetsG10(webhookAtRate) ? "PASS" : "FAIL", "");
            report.Add($"G17 p99 ≤ 15 ms on an idle machine: the webhook's runs at {rate}/s the host left idle", idleWebhooks.Count == 0 ? "not judged"
                    : MeetsG10(idleWebhooks[(idleWebhooks.Count - 1) / 2]) ? "PASS" : "FAIL",
                idleWebhooks.Count == 0 ? $"no run was idle ({Machine.IdleRule}): run again on a quiet machine"
                    : $"{idleWebhooks.Count} of 3 idle ({Machine.IdleRule}), p99 {string.Join(" / ", idleWebhooks.Select(w => $"{w.P99Ms:F2}"))} ms; verdict on the median (the lower of two)");
            report.Add("inbound rows stored / left unhandled", $"{stored} / {unhandled}", $"{subscribers} subscribers; 1 in 10 requests repeats a MessageSid");
            report.Add("inbound_messages updates that were HOT", $"{hotUpdates} / {updates}", "marking a message handled adds no index entries");
            report.Add("load average before / after", $"{loadBefore} / {File.ReadAllText("/proc/loadavg").Split(' ')[0]}", "other processes on the machine skew every figure; ratios within the run less so");
            report.Add("settings", $"wrk -t1 -c{connections} -d{seconds}s; fixed rate {fixedSeconds}s", $"PostgreSQL fsync on, synchronous_commit on; {Environment.ProcessorCount} cores shared by server, PostgreSQL and load generator");
            report.Print();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static bool MeetsG10(ConstantRateLoad.Result run) => run is { P50Ms: <= 2, P99Ms: <= 15, Errors: 0 };

    /// <summary>What the machine did during one fixed-rate run: the database disk's fsyncs and the CPU the host stole.</summary>
    private sealed record Machine(IReadOnlyList<(double UnixMs, double Ms)> Syncs, double StolenSeconds, int Seconds)
    {
        public const string IdleRule = "the host stole under 1 % of the cores' time, no fsync over 20 ms";

        // Of every core's time in the run. On 2026-12-03, runs with 7-38 % stolen gave the parse + insert baseline 2.5-9
        // times the p99 of runs with under 0.2 % stolen.
        public bool Idle => StolenSeconds < 0.01 * Seconds * Environment.ProcessorCount && Syncs.All(s => s.Ms <= 20);

        public override string ToString() =>
            $"disk fsync: {DiskProbe.Summary(Syncs)}; CPU stolen by the host {StolenSeconds:F2} s{(Idle ? "; idle" : "")}";
    }

    /// <summary>--profile: one saturation run of the webhook alone, on a server with pg_stat_statements, reporting what
    /// the database does per request (statements, commits, the statements by count) and the CPU per request. A run to
    /// find where the time goes, not a figure to compare (pg_stat_statements itself costs the server a little).</summary>
    public const string ProfileFlag = "--profile";

    private static async Task ProfileAsync(string connectionString, BenchDatabase database, string baseUrl, string requests, int connections, int seconds,
        string loadBefore)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        const string DatabaseCounters = "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()";
        await conn.ExecuteAsync("SELECT pg_stat_statements_reset(); SELECT pg_stat_reset();");
        await Task.Delay(TimeSpan.FromSeconds(1));   // the statistics collector's reset lands
        var (commitsBefore, rollbacksBefore) = await conn.QuerySingleAsync<(long, long)>(DatabaseCounters);
        // Round trips, counted where they start: each command Npgsql executes is one (its duration is recorded once);
        // a transaction's COMMIT or ROLLBACK, sent by Npgsql without a command, is one more (counted by the server below).
        var commands = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("Npgsql", StringComparison.Ordinal) && instrument.Name.Contains("duration", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => commands.AddOrUpdate(instrument.Name, 1, (_, n) => n + 1));
        Console.WriteLine($"Profiling: webhook at saturation for {seconds} s (gateway process {Environment.ProcessId}) …");
        var start = CpuTime.Now(database.DataDirectory);
        listener.Start();
        var result = Wrk.Run(baseUrl + WebhookRequests.Path, requests, connections, seconds);
        await Task.Delay(TimeSpan.FromSeconds(2));   // requests still in flight when wrk stopped
        listener.Dispose();
        var cpu = Cost(start, CpuTime.Now(database.DataDirectory), result.Requests);
        var (commits, rollbacks) = await conn.QuerySingleAsync<(long, long)>(DatabaseCounters);
        var statements = (await conn.QueryAsync<(long Calls, double TotalMs, long Rows, string Query)>("""
            SELECT calls, total_exec_time, rows, regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query NOT LIKE '%pg_stat_%' ORDER BY calls DESC
            """)).AsList();
        double PerRequest(double n) => result.Requests == 0 ? 0 : n / result.Requests;
        var report = new BenchReport("webhook-profile");
        report.Add("webhook (signed, stored, routed, TwiML), saturation", $"{result.RequestsPerSecond:F0} req/s", Errors(result));
        report.Add("CPU ms per request (gateway process / PostgreSQL)", cpu, "pg_stat_statements loaded");
        var transactionEnds = statements.Where(s => s.Query is "COMMIT" or "ROLLBACK").Sum(s => s.Calls);
        foreach (var (instrument, count) in commands)
            report.Add($"round trips per request: Npgsql commands ({instrument} recorded) + explicit COMMIT/ROLLBACK",
                $"{PerRequest(count + transactionEnds):F2}", $"{PerRequest(count):F2} + {PerRequest(transactionEnds):F2}");
        report.Add("statements per request", $"{PerRequest(statements.Sum(s => s.Calls)):F2}", $"{statements.Sum(s => s.Calls)} statements in all");
        report.Add("commits / rollbacks per request", $"{PerRequest(commits - commitsBefore):F2} / {PerRequest(rollbacks - rollbacksBefore):F2}",
            "a rollback is a fast path given back (sender changed, retry)");
        report.Add("statement execution ms per request", $"{PerRequest(statements.Sum(s => s.TotalMs)):F3}", "inside PostgreSQL, all statements");
        foreach (var s in statements.Take(15))
            report.Add($"{PerRequest(s.Calls):F3} per request, {s.TotalMs / Math.Max(1, s.Calls):F3} ms each", s.Query.Length > 140 ? s.Query[..140] + " …" : s.Query, $"{s.Rows} rows");
        report.Add("load average before / after", $"{loadBefore} / {File.ReadAllText("/proc/loadavg").Split(' ')[0]}", "");
        report.Print();
    }

    private static string Cost(CpuTime.Sample start, CpuTime.Sample end, long requests) => requests == 0 ? "n/a" :
        $"{(end.Process - start.Process) * 1000 / requests:F3} / {(end.Postgres - start.Postgres) * 1000 / requests:F3}";

    private static string Errors(Wrk.Result r) =>
        $"{r.Requests} requests, {r.NonSuccess} non-2xx, {r.SocketErrors} socket errors; p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms (saturated: queueing, not a latency figure)";

    private static string AtRate(ConstantRateLoad.Result r) => $"{r.Sent} requests, achieved {r.AchievedPerSecond:F0}/s, {r.Errors} errors; " +
        $"generator: p99 send lag {r.SendLagP99Ms:F2} ms, {r.Gen0Collections} GCs pausing it {r.GcPauseMs:F0} ms in all";

    private static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const string BenchInboundTableSql = """
        CREATE TABLE IF NOT EXISTS bench_inbound (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            provider_message_id text NOT NULL UNIQUE,
            from_phone text NOT NULL,
            body text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now())
        """;

    private const string BaselineInsertSql = """
        INSERT INTO bench_inbound (provider_message_id, from_phone, body) VALUES (@Sid, @From, @Body)
        ON CONFLICT (provider_message_id) DO NOTHING
        """;

    /// <summary>The real gateway with production settings, plus the baseline endpoints (bench only).</summary>
    private sealed class BenchGateway(string connectionString, string publicBaseUrl, NpgsqlDataSource npgsqlDefaults) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["DATABASE_URL"] = connectionString + Environment.GetEnvironmentVariable("BENCH_EXTRA_CS"),
                ["SMS_PROVIDER"] = "simulator",
                ["SIMULATOR_ENABLED"] = "true",
                ["USSD_CALLBACK_TOKEN"] = "bench-ussd-callback-token-0123",
                ["TWILIO_AUTH_TOKEN"] = WebhookRequests.AuthToken,
                ["PUBLIC_BASE_URL"] = publicBaseUrl,
                ["ADMIN_API_TOKEN"] = "bench-admin-token-0123456789",
                ["WORKER_IN_PROCESS"] = "false",
            })
                builder.UseSetting(key, value);
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new BaselineEndpoints(npgsqlDefaults)));
        }
    }

    private sealed class BaselineEndpoints(NpgsqlDataSource npgsqlDefaults) : IStartupFilter
    {
        private const string EmptyTwiml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Response></Response>";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map(FormOnlyPath, branch => branch.Run(async context =>
            {
                await context.Request.ReadFormAsync(context.RequestAborted);
                context.Response.ContentType = "application/xml; charset=utf-8";
                await context.Response.WriteAsync(EmptyTwiml, context.RequestAborted);
            }));
            app.Map(FormInsertPath, branch => branch.Run(context => ParseAndInsert(context, context.RequestServices.GetRequiredService<NpgsqlDataSource>())));
            app.Map(FormInsertDefaultsPath, branch => branch.Run(context => ParseAndInsert(context, npgsqlDefaults)));
            next(app);
        };

        private static async Task ParseAndInsert(HttpContext context, NpgsqlDataSource db)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            await using (var conn = await db.OpenConnectionAsync(context.RequestAborted))
                await conn.ExecuteAsync(new CommandDefinition(BaselineInsertSql,
                    new { Sid = form["MessageSid"].ToString(), From = form["From"].ToString(), Body = form["Body"].ToString() },
                    cancellationToken: context.RequestAborted));
            context.Response.ContentType = "application/xml; charset=utf-8";
            await context.Response.WriteAsync(EmptyTwiml, context.RequestAborted);
        }
    }
}
