using System.Diagnostics;
using System.Globalization;
using Dapper;
using Gateway.Data;
using Gateway.Hosting;
using Gateway.Providers.AfricasTalking;
using Gateway.Ussd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// B6 / G12 (performance.md §8.3, §9): one USSD step with 500 concurrent sessions. The real gateway (this build, its
/// own composition) runs on loopback over a fresh PostgreSQL; each session walks a 4-step path that ends in a
/// subscription (dial → 3 my subscriptions → 1 topics → 2 join the daily tip: a consent transaction).
///
/// Two loads, each A-B-B-A against a same-run baseline, a parse-only endpoint that reads the same form and answers END:
/// - paced: 500 sessions open at once, each waiting a think time between steps as a person does (default ~1 s, so
///   ~500 steps/s offered). Its p99 is the G12 figure; a p99 from a saturated run is never quoted as latency (§8.1).
/// - saturated: the same 500 sessions with no think time, for throughput (steps/s) only.
/// </summary>
public static class UssdBench
{
    public static readonly BenchSuite Suite = new(
        "USSD: one menu step, 500 concurrent sessions, p50/p99 per step vs a parse-only baseline (G12). Options: --sessions 500 --think-ms 1000 --rounds 2 --max-auto-prepare 0",
        RunAsync);

    private static readonly string[] Path = ["", "3", "3*1", "3*1*2"];
    private const string BaselinePath = "/bench/parse";
    private static long _phones;

    private static async Task RunAsync(string[] args)
    {
        var sessions = BenchArgs.Option(args, "--sessions", 500);
        var thinkMs = BenchArgs.Option(args, "--think-ms", 1000);
        var rounds = BenchArgs.Option(args, "--rounds", 2);
        // Npgsql's automatic preparation (off in the gateway today): measures what it would save per step.
        var autoPrepare = BenchArgs.Option(args, "--max-auto-prepare", 0);

        var loadAtStart = LoadAverage();
        await using var pg = await BenchDatabase.StartAsync();
        var connectionString = await pg.CreateMigratedAsync("ussd_bench");
        if (autoPrepare > 0) connectionString = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = autoPrepare }.ConnectionString;
        await using var app = await StartGatewayAsync(connectionString);
        var baseUrl = app.Urls.First();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = sessions * 2, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(30),
            // As Africa's Talking would send it; the baseline endpoint ignores it.
            DefaultRequestHeaders = { { UssdCallbackTokenFilter.Header, CallbackToken } },
        };
        Console.WriteLine($"gateway on {baseUrl}; {sessions} sessions x {Path.Length} steps; think time ~{thinkMs} ms; {rounds} round(s) per engine, A-B-B-A");

        // Warm-up (JIT, connection pools, plan caches), discarded.
        await RunRoundAsync(client, AfricasTalkingEndpoints.UssdPath, sessions, thinkMs / 4);
        await RunRoundAsync(client, BaselinePath, sessions, thinkMs / 4);

        var ussd = new Measured();
        var baseline = new Measured();
        for (var r = 0; r < rounds; r++)
        {
            var (first, second) = r % 2 == 0 ? (ussd, baseline) : (baseline, ussd);
            first.Add(await RunRoundAsync(client, first == ussd ? AfricasTalkingEndpoints.UssdPath : BaselinePath, sessions, thinkMs));
            second.Add(await RunRoundAsync(client, second == ussd ? AfricasTalkingEndpoints.UssdPath : BaselinePath, sessions, thinkMs));
        }
        var ussdSaturated = await RunRoundAsync(client, AfricasTalkingEndpoints.UssdPath, sessions, 0);
        var baselineSaturated = await RunRoundAsync(client, BaselinePath, sessions, 0);

        var report = new BenchReport("ussd");
        report.Add("machine load average at start / end", $"{loadAtStart} / {LoadAverage()}", "other processes on the same cores inflate every figure");
        report.Add("sessions x steps", $"{sessions} x {Path.Length}", $"paced, think ~{thinkMs} ms; {rounds} round(s) each, A-B-B-A; Max Auto Prepare {autoPrepare}");
        for (var step = 0; step < Path.Length; step++)
            report.Add($"step {step + 1} ('{Path[step]}') p50 / p99", $"{P(ussd.Steps[step], 50):F1} / {P(ussd.Steps[step], 99):F1} ms", step == Path.Length - 1 ? "joins a topic: consent transaction" : "");
        var all = ussd.Steps.SelectMany(s => s).ToList();
        var parse = baseline.Steps.SelectMany(s => s).ToList();
        report.Add("USSD step p50 / p99 / max", $"{P(all, 50):F1} / {P(all, 99):F1} / {all.Max():F1} ms", "G12: p99 <= 50 ms target, <= 200 ms floor");
        report.Add("baseline (parse-only) p50 / p99", $"{P(parse, 50):F1} / {P(parse, 99):F1} ms", "same form, same load, answers END");
        report.Add("p99 ratio USSD / baseline", $"{P(all, 99) / P(parse, 99):F1}x", "");
        report.Add("offered load (paced)", $"{ussd.Requests / ussd.Seconds:F0} steps/s", "");
        report.Add("saturated: steps/s USSD / baseline", $"{ussdSaturated.Requests / ussdSaturated.Seconds:F0} / {baselineSaturated.Requests / baselineSaturated.Seconds:F0}",
            $"ratio {ussdSaturated.Requests / ussdSaturated.Seconds / (baselineSaturated.Requests / baselineSaturated.Seconds):F2}; no think time, latency not quoted");
        report.Add("saturated: sessions/s", $"{sessions / ussdSaturated.Seconds:F0}", $"p99 {P(ussdSaturated.Steps.SelectMany(s => s).ToList(), 99):F0} ms at saturation, for reference only");
        report.Add("errors (non-200, not CON/END)", $"{ussd.Errors + baseline.Errors + ussdSaturated.Errors + baselineSaturated.Errors}", "");
        report.Add("process CPU per 1,000 USSD steps", $"{ussdSaturated.CpuSeconds / ussdSaturated.Requests * 1000:F2} s", "gateway + load generator (same process), saturated round; PostgreSQL not included");

        await using (var conn = new NpgsqlConnection(connectionString))
        {
            var rows = await conn.QuerySingleAsync<(long Sessions, long Subscribers, long Consent, string Size)>("""
                SELECT (SELECT count(*) FROM ussd_sessions), (SELECT count(*) FROM subscribers), (SELECT count(*) FROM consent_events),
                       pg_size_pretty(pg_total_relation_size('ussd_sessions'))
                """);
            report.Add("state rows", $"{rows.Sessions} ussd_sessions ({rows.Size}), {rows.Subscribers} subscribers, {rows.Consent} consent events", "one session row per session, updated in place");
            await Task.Delay(TimeSpan.FromSeconds(1)); // backends flush their statistics about once a second
            var updates = await conn.QuerySingleAsync<(long Updates, long Hot)>(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'ussd_sessions'");
            report.Add("ussd_sessions HOT updates", $"{updates.Hot} of {updates.Updates}", "a step's update writes no index entries");
        }
        report.Print();
        await app.StopAsync();
    }

    private sealed class Measured
    {
        public List<double>[] Steps { get; } = Path.Select(_ => new List<double>()).ToArray();
        public int Requests { get; private set; }
        public int Errors { get; private set; }
        public double Seconds { get; private set; }
        public double CpuSeconds { get; private set; }

        public Measured Add(Measured round)
        {
            for (var i = 0; i < Steps.Length; i++) Steps[i].AddRange(round.Steps[i]);
            Requests += round.Requests;
            Errors += round.Errors;
            Seconds += round.Seconds;
            CpuSeconds += round.CpuSeconds;
            return this;
        }

        public void Record(int step, double ms, bool ok)
        {
            lock (this)
            {
                Steps[step].Add(ms);
                Requests++;
                if (!ok) Errors++;
            }
        }

        public void Finish(double seconds, double cpuSeconds)
        {
            Seconds = seconds;
            CpuSeconds = cpuSeconds;
        }
    }

    private static async Task<Measured> RunRoundAsync(HttpClient client, string path, int sessions, int thinkMs)
    {
        var measured = new Measured();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async _ =>
        {
            var random = new Random();
            var phone = "+86138" + Interlocked.Increment(ref _phones).ToString("D8", CultureInfo.InvariantCulture);
            var sessionId = "ATUid_bench_" + Guid.NewGuid().ToString("N");
            // Sessions start spread over one think time, as people do not all dial in the same millisecond.
            if (thinkMs > 0) await Task.Delay(random.Next(thinkMs));
            for (var step = 0; step < Path.Length; step++)
            {
                var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["sessionId"] = sessionId, ["serviceCode"] = "*384*123#", ["phoneNumber"] = phone, ["networkCode"] = "99999", ["text"] = Path[step],
                });
                var started = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var response = await client.PostAsync(path, form);
                    var body = await response.Content.ReadAsStringAsync();
                    ok = response.IsSuccessStatusCode && (body.StartsWith("CON ") || body.StartsWith("END "));
                }
                catch (HttpRequestException)
                {
                }
                measured.Record(step, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ok);
                if (thinkMs > 0) await Task.Delay(thinkMs / 2 + random.Next(thinkMs));
            }
        }));
        measured.Finish(clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        return measured;
    }

    private const string CallbackToken = "bench-ussd-callback-token-0123";

    // The gateway's own composition (as in Program.cs), plus the baseline endpoint, on a free loopback port.
    private static async Task<WebApplication> StartGatewayAsync(string connectionString)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = connectionString,
            ["SMS_PROVIDER"] = "simulator",
            ["SIMULATOR_ENABLED"] = "true",
            ["USSD_CALLBACK_TOKEN"] = CallbackToken,
            ["ADMIN_API_TOKEN"] = "bench-admin-token-0123456789",
            ["WORKER_IN_PROCESS"] = "false",
            ["DEFAULT_LANGUAGE"] = "en",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddGatewayCore();
        builder.AddGatewayWeb(workerInProcessByDefault: false);

        var app = builder.Build();
        app.UseGatewayWeb();
        app.MapGatewayHealth();
        app.MapAfricasTalking();
        app.MapPost(BaselinePath, async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            return form.ContainsKey("sessionId") && form.ContainsKey("phoneNumber") && form.ContainsKey("text")
                ? Results.Text("END " + form["text"], "text/plain; charset=utf-8")
                : Results.BadRequest();
        }).WithRequestSizeLimit(AfricasTalkingUssd.MaxRequestBytes);

        await app.StartAsync();
        await app.Services.GetRequiredService<DatabaseReadiness>().WaitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return app;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double P(List<double> values, double percentile)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

}
