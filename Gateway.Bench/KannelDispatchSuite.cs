using System.Diagnostics;
using System.Globalization;
using System.Net;
using Dapper;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// dispatch-kannel (performance.md G18): the outbound pipeline sending through a real Kannel 1.4.5 (bearerbox +
/// smsbox, log level 3) to its fake SMSC link, read by Kannel's own fakesmsc binary, against the simulator provider
/// in the same run. Both: N one-segment messages queued at once, one worker's dispatcher, pacing off. For Kannel the
/// gateway's web process also runs (Kestrel on loopback), because every message comes back as two delivery reports
/// (types 8 and 1) through smsbox to /webhooks/kannel/dlr, as in production. Rounds alternate simulator and Kannel,
/// so that a busy spell of the shared machine weighs on both; the load average is printed with each figure.
/// </summary>
public static class KannelDispatchSuite
{
    public static readonly BenchSuite Suite = new(
        "dispatch through Kannel and its fake SMSC (fakesmsc) vs the simulator provider, same run (options: --messages N --rounds R)",
        RunAsync);

    private const string Token = "bench-kannel-callback-token-0123";
    private const string FakeSmscBinary = "/usr/lib/kannel/test/fakesmsc";

    private sealed record Round(double HandOffRate, double? ArrivalRate, double? ReportedRate, string Load);

    private static async Task RunAsync(string[] args)
    {
        var messages = BenchArgs.Option(args, "--messages", 5_000);
        var rounds = BenchArgs.Option(args, "--rounds", 2);
        var report = new BenchReport("dispatch-kannel");

        await using var pg = await BenchDatabase.StartAsync();
        await using var kannel = await LocalKannel.StartAsync(new KannelSetup { LogLevel = 3, ConnectFakeSmsc = false, CallbackToken = Token });
        await using var smsc = FakeSmscClient.Start(kannel.SmscPort);
        await kannel.WaitForSmscOnlineAsync();

        var simulator = new List<Round>();
        var viaKannel = new List<Round>();
        for (var round = 1; round <= rounds; round++)
        {
            simulator.Add(await MeasureSimulatorAsync(pg, messages, round));
            viaKannel.Add(await MeasureKannelAsync(pg, kannel, smsc, messages, round));
        }

        for (var i = 0; i < rounds; i++)
        {
            report.Add($"round {i + 1}: simulator provider, handed over", $"{simulator[i].HandOffRate:N0} msg/s", $"load {simulator[i].Load}");
            report.Add($"round {i + 1}: Kannel, handed over (202 from smsbox)", $"{viaKannel[i].HandOffRate:N0} msg/s", $"load {viaKannel[i].Load}");
            report.Add($"round {i + 1}: Kannel, arrived at the fake SMSC", $"{viaKannel[i].ArrivalRate:N0} msg/s", "from the first queued row to the last line fakesmsc printed");
            report.Add($"round {i + 1}: Kannel, delivered by report (type 1 applied)", $"{viaKannel[i].ReportedRate:N0} msg/s",
                "two reports per message through smsbox to the gateway; early ones wait for reconciliation (every 5 s)");
        }
        var ratio = viaKannel.Average(r => r.HandOffRate) / simulator.Average(r => r.HandOffRate);
        report.Add("Kannel ÷ simulator, handed over (mean of rounds)", $"{ratio:F2}×", $"{messages:N0} messages per run, {rounds} rounds each (G18)");
        report.Print();
    }

    private static async Task<Round> MeasureSimulatorAsync(BenchDatabase pg, int count, int round)
    {
        Console.WriteLine($"[dispatch-kannel] round {round}: simulator provider, {count:N0} messages");
        var db = await pg.CreateMigratedAsync($"kannel_bench_simulator_{round}");
        using var worker = await DispatchSuite.StartWorkerAsync(Settings(db, "simulator", ""), dispatcher: true);
        BenchArgs.Settle();
        var load = Load();
        var clock = Stopwatch.StartNew();
        await DispatchSuite.QueueAsync(worker, db, count, $"sim{round}");
        if (!await DispatchSuite.WaitUntilDoneAsync(db, TimeSpan.FromMinutes(10))) throw new TimeoutException("messages still queued after 10 minutes");
        var handedOver = clock.Elapsed;
        await worker.StopAsync();
        return new Round(count / handedOver.TotalSeconds, null, null, $"{load} → {Load()}");
    }

    private static async Task<Round> MeasureKannelAsync(BenchDatabase pg, LocalKannel kannel, FakeSmscClient smsc, int count, int round)
    {
        Console.WriteLine($"[dispatch-kannel] round {round}: Kannel, {count:N0} messages");
        var db = await pg.CreateMigratedAsync($"kannel_bench_kannel_{round}");
        var port = LocalKannel.FreePorts(1)[0];
        var baseUrl = $"http://127.0.0.1:{port}";
        var settings = Settings(db, "kannel", baseUrl, kannel);
        await using var web = new KannelReportsGateway(settings);
        web.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        web.StartServer();
        using var worker = await DispatchSuite.StartWorkerAsync(settings, dispatcher: true);

        var arrivedBefore = smsc.Received;
        BenchArgs.Settle();
        var load = Load();
        var clock = Stopwatch.StartNew();
        await DispatchSuite.QueueAsync(worker, db, count, $"kannel{round}");
        if (!await DispatchSuite.WaitUntilDoneAsync(db, TimeSpan.FromMinutes(10))) throw new TimeoutException("messages still queued after 10 minutes");
        var handedOver = clock.Elapsed;
        await smsc.WaitForAsync(arrivedBefore + count, TimeSpan.FromMinutes(5));
        var arrivedAt = smsc.LastArrival(clock);
        await WaitUntilDeliveredAsync(db, count, TimeSpan.FromMinutes(5));
        var reported = clock.Elapsed;
        await worker.StopAsync();
        return new Round(count / handedOver.TotalSeconds, count / arrivedAt.TotalSeconds, count / reported.TotalSeconds, $"{load} → {Load()}");
    }

    private static async Task WaitUntilDeliveredAsync(string db, int count, TimeSpan timeout)
    {
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        var clock = Stopwatch.StartNew();
        while (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM outbound_messages WHERE status = 'delivered'") < count)
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"not every message was reported delivered within {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>uptime's 1-minute load average: the machine is shared with other engineers' builds.</summary>
    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static Dictionary<string, string?> Settings(string db, string provider, string baseUrl, LocalKannel? kannel = null) => new()
    {
        ["DATABASE_URL"] = db,
        ["SMS_PROVIDER"] = provider,
        ["SIMULATOR_ENABLED"] = provider == "simulator" ? "true" : "false",
        ["PUBLIC_BASE_URL"] = baseUrl.Length > 0 ? baseUrl : "http://127.0.0.1:9",
        ["KANNEL_SENDSMS_URL"] = kannel?.SendSmsUrl.ToString(),
        ["KANNEL_USERNAME"] = LocalKannel.Username,
        ["KANNEL_PASSWORD"] = LocalKannel.Password,
        ["KANNEL_FROM"] = LocalKannel.Sender,
        ["KANNEL_CALLBACK_TOKEN"] = Token,
        ["SMS_RATE_PER_SECOND"] = "0",
        ["SMS_MAX_IN_FLIGHT"] = "64",
        ["ADMIN_API_TOKEN"] = "bench-admin-token-0123456789",
        ["USSD_CALLBACK_TOKEN"] = "bench-ussd-token-0123456789",
        ["WORKER_IN_PROCESS"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>The gateway's web process, for Kannel's delivery reports; its worker runs beside it.</summary>
    private sealed class KannelReportsGateway(Dictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// Kannel's own fake SMSC client (/usr/lib/kannel/test/fakesmsc, package kannel-extras) in interactive mode: stdin
    /// stays open and never sends, every MT it receives is a "Got message" line, counted here with its arrival time.
    /// </summary>
    private sealed class FakeSmscClient : IAsyncDisposable
    {
        private readonly Process _process;
        private long _received;
        private long _lastArrivalTicks;

        private FakeSmscClient(Process process) => _process = process;

        public long Received => Interlocked.Read(ref _received);

        public static FakeSmscClient Start(int port)
        {
            var psi = new ProcessStartInfo(FakeSmscBinary)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { "-H", "127.0.0.1", "-r", port.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
            var client = new FakeSmscClient(Process.Start(psi) ?? throw new InvalidOperationException("could not start fakesmsc"));
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try { client._process.Kill(); } catch (InvalidOperationException) { }
            };
            client._process.OutputDataReceived += (_, e) => client.Count(e.Data);
            client._process.ErrorDataReceived += (_, e) => client.Count(e.Data);
            client._process.BeginOutputReadLine();
            client._process.BeginErrorReadLine();
            return client;
        }

        private void Count(string? line)
        {
            if (line is null || !line.Contains("Got message", StringComparison.Ordinal)) return;
            Interlocked.Increment(ref _received);
            Interlocked.Exchange(ref _lastArrivalTicks, Stopwatch.GetTimestamp());
        }

        /// <summary>When the last message arrived, on <paramref name="clock"/>.</summary>
        public TimeSpan LastArrival(Stopwatch clock) =>
            clock.Elapsed - Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastArrivalTicks));

        public async Task WaitForAsync(long total, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Received < total)
            {
                if (clock.Elapsed > timeout) throw new TimeoutException($"fakesmsc received {Received} of {total} messages");
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try { _process.Kill(); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
