using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dapper;
using Gateway.Delivery;
using Gateway.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Bench.Faults;

/// <summary>
/// What every fault scenario stands on: one PostgreSQL cluster the suite can crash and start again, one fake Twilio
/// that records every hand-off (the provider's view: each create request, duplicates included), and the gateway's
/// built binaries started as real processes (Gateway.dll for the web, Gateway.Worker.dll for workers) against a fresh
/// database per scenario. Processes a scenario started are killed when it ends.
/// </summary>
public sealed class FaultRig : IAsyncDisposable
{
    public const string AdminToken = "fault-admin-token-0123456789";
    public const string EditorToken = "fault-editor-token-0123456789";
    public const string ApproverToken = "fault-approver-token-0123456789";

    private readonly List<GatewayBinary> _processes = [];

    private FaultRig(BenchDatabase postgres, FakeTwilio provider)
    {
        Postgres = postgres;
        Provider = provider;
    }

    public BenchDatabase Postgres { get; }

    /// <summary>The fake Twilio: every create request with its arrival time, our row id (status callback ?m=) and reply.</summary>
    public FakeTwilio Provider { get; }

    /// <summary>The current scenario's database.</summary>
    public string Database { get; private set; } = "";

    /// <summary>The current scenario's INBOUND_SPOOL_PATH, shared by its web processes (a restarted one takes over a
    /// killed one's file) and by no other scenario (a spool is replayed into the database of whoever takes it).</summary>
    public string SpoolPath { get; private set; } = "";

    public static async Task<FaultRig> StartAsync() => new(await BenchDatabase.StartAsync(), FakeTwilio.Start());

    /// <summary>A fresh, migrated database for the next scenario, and a provider that has seen nothing yet.</summary>
    public async Task BeginAsync(string scenario, TimeSpan providerLatency)
    {
        Database = await Postgres.CreateMigratedAsync($"fault_{scenario.Replace('-', '_')}");
        SpoolPath = Path.Combine(Path.GetTempPath(), $"gateway-fault-spool-{Environment.ProcessId}-{scenario}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(SpoolPath);
        Provider.Clear();
        Provider.Latency = providerLatency;
    }

    /// <summary>Kills every process the scenario started.</summary>
    public async Task EndAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        _processes.Clear();
        NpgsqlConnection.ClearAllPools();
        if (SpoolPath.Length > 0)
            try { Directory.Delete(SpoolPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Settings every gateway process gets: Twilio through the fake, the scenario's database, its rate.</summary>
    private Dictionary<string, string> Settings(int rate, int inFlight, string accountSid, string publicBaseUrl) => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DATABASE_URL"] = Database,
        ["SMS_PROVIDER"] = "twilio",
        ["TWILIO_ACCOUNT_SID"] = accountSid,
        ["TWILIO_AUTH_TOKEN"] = FakeTwilio.AuthToken,
        ["TWILIO_MESSAGING_SERVICE_SID"] = FakeTwilio.MessagingServiceSid,
        ["TWILIO_API_BASE_URL"] = Provider.BaseUrl.ToString(),
        ["SMS_RATE_PER_SECOND"] = rate.ToString(CultureInfo.InvariantCulture),
        ["SMS_MAX_IN_FLIGHT"] = inFlight.ToString(CultureInfo.InvariantCulture),
        ["PUBLIC_BASE_URL"] = publicBaseUrl,
        ["TEMPLATES_PATH"] = RepoPaths.Templates,
        ["ADMIN_API_TOKEN"] = AdminToken,
        ["USSD_CALLBACK_TOKEN"] = "fault-ussd-token-0123456789",
        ["API_TOKENS"] = $"lin:editor:{EditorToken},wang:approver:{ApproverToken}",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Gateway"] = "Information",
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
    };

    /// <summary>A Gateway.Worker process (Hangfire server and dispatcher), ready once its dispatcher has started.</summary>
    /// <param name="accountSid">Another account SID tells this worker's hand-offs apart at the fake.</param>
    public async Task<GatewayBinary> StartWorkerAsync(int rate, int inFlight = 64, string accountSid = FakeTwilio.AccountSid)
    {
        var worker = GatewayBinary.Start("Gateway.Worker", Settings(rate, inFlight, accountSid, "http://127.0.0.1:9"));
        _processes.Add(worker);
        await WaitForAsync(() => worker.Output.Contains("Dispatcher started"), TimeSpan.FromSeconds(60), $"worker {worker.Id} to start", worker);
        return worker;
    }

    /// <summary>The web process (webhooks, admin API; no worker inside) and a client for it, ready once /health/ready says so.</summary>
    /// <param name="port">The port of a web process started before (a restart after a kill); by default a free one.</param>
    /// <param name="ready">false: ready once it answers /health/live (the database may be down).</param>
    public async Task<(GatewayBinary Process, HttpClient Client, string BaseUrl)> StartWebAsync(int rate, int? port = null, bool ready = true)
    {
        var baseUrl = $"http://127.0.0.1:{port ?? FreePort()}";
        var settings = Settings(rate, 64, FakeTwilio.AccountSid, baseUrl);
        settings["ASPNETCORE_URLS"] = baseUrl;
        settings["WORKER_IN_PROCESS"] = "false";
        settings["INBOUND_SPOOL_PATH"] = SpoolPath;
        var web = GatewayBinary.Start("Gateway", settings);
        _processes.Add(web);
        var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await WaitForAsync(async () =>
        {
            try { return (await client.GetAsync(ready ? "/health/ready" : "/health/live")).StatusCode == HttpStatusCode.OK; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(60), "the web process to be ready", web);
        return (web, client, baseUrl);
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(Database);
        await conn.OpenAsync();
        return conn;
    }

    // Through Delivery's set-based way in (Outbox.EnqueueRowsSql), as the lessons and the fan-out queue: each row gets
    // its route and price there. Lessons asked for (priority Normal), not bulk: quiet hours would hold bulk messages
    // when the suite runs at night in TIME_ZONE.
    private static readonly string QueueSql = $"""
        WITH asked AS (
            SELECT '+86139' || lpad(i::text, 8, '0') AS to_phone, NULL::bigint AS subscriber_id, @Body AS body, @Encoding AS encoding,
                   @Segments AS segments, @Cost AS price, @Priority AS priority, 'lesson' AS message_kind, NULL::bigint AS broadcast_id,
                   'fault:' || i AS idempotency_key, @Now AS due_at, @ExpiresAt AS valid_until, @Now AS queued_at
              FROM generate_series(1, @Count) AS i)
        {Outbox.EnqueueRowsSql("asked", skipDuplicates: false)}
        """;

    /// <summary>Queues <paramref name="count"/> one-segment messages to distinct numbers, due now.</summary>
    public async Task QueueAsync(int count)
    {
        var outbox = new Outbox(TimeProvider.System, Options.Create(new DeliveryOptions()));
        var prepared = outbox.Prepare("Lesson 3: wash your hands for twenty seconds, with soap, before every meal.");
        var now = DateTimeOffset.UtcNow;
        await using var conn = await OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(QueueSql, new
        {
            prepared.Body, prepared.Encoding, prepared.Segments, prepared.Cost, Priority = (short)MessagePriority.Normal, Count = count, Now = now,
            ExpiresAt = outbox.ExpiresAt(now),
        }, tx);
        await Outbox.NotifyAsync(conn, tx, CancellationToken.None);
        await tx.CommitAsync();
    }

    /// <summary>Active subscribers with the topic 'notices' in <paramref name="region"/>, numbers +86137…; returns their number.</summary>
    public async Task<int> SeedSubscribersAsync(int count, string region)
    {
        await using var conn = await OpenAsync();
        await conn.ExecuteAsync("""
            INSERT INTO subscribers (phone, language, status, region, created_at)
            SELECT '+86137' || lpad(i::text, 8, '0'), 'zh', 'active', @Region, now() FROM generate_series(1, @Count) AS i;
            INSERT INTO subscriptions (subscriber_id, topic, created_at) SELECT id, 'notices', now() FROM subscribers WHERE region = @Region;
            ANALYZE subscribers; ANALYZE subscriptions;
            """, new { Count = count, Region = region }, commandTimeout: 600);
        return count;
    }

    /// <summary>Waits until <paramref name="done"/>; false (a miss the scenario reports) after <paramref name="timeout"/>.</summary>
    public static async Task<bool> TryWaitAsync(Func<Task<bool>> done, TimeSpan timeout, int everyMs = 100)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await done()) return true;
            }
            catch (NpgsqlException)
            {
                // The database is away (a crash scenario): ask again.
            }
            await Task.Delay(everyMs);
        }
        return false;
    }

    private static async Task WaitForAsync(Func<Task<bool>> done, TimeSpan timeout, string what, GatewayBinary process)
    {
        if (!await TryWaitAsync(done, timeout) || process.HasExited)
            throw new InvalidOperationException($"gave up waiting for {what}; it printed:\n{process.Output}");
    }

    private static Task WaitForAsync(Func<bool> done, TimeSpan timeout, string what, GatewayBinary process) =>
        WaitForAsync(() => Task.FromResult(done() || process.HasExited), timeout, what, process);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await EndAsync();
        await Provider.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
