using System.Net.Http.Headers;
using Dapper;
using Gateway.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Gateway.Tests.Support;

/// <summary>
/// The gateway's web app, in process, on its own fresh database (one per test class, via IClassFixture).
/// Time is a FakeTimeProvider the tests move; the worker is off unless a test class turns it on.
/// Not in local mode: set up like a staging gateway (SIMULATOR_ENABLED=true, so the simulator's routes need a token,
/// and a USSD callback token), so that the tests see what a deployment sees.
/// </summary>
public class GatewayApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string UssdCallbackToken = "test-ussd-callback-token-0123";
    public const string PublicBaseUrl = "https://gateway.example.org";

    /// <summary>09:00 on Monday 2 March 2026 in Asia/Shanghai: inside every allowed sending window.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8)).ToUniversalTime());

    public string ConnectionString { get; protected set; } = "";

    /// <summary>This app's INBOUND_SPOOL_PATH: a folder of its own (shared with <see cref="AnotherProcess"/>), deleted with it.</summary>
    public string SpoolPath { get; } = Path.Combine(Path.GetTempPath(), $"gateway-spool-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>Settings as environment-style keys; subclasses add or override entries.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings) { }

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync();
        await Services.GetRequiredService<DatabaseReadiness>().WaitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        try { Directory.Delete(SpoolPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = ConnectionString,
            ["SMS_PROVIDER"] = "simulator",
            ["ADMIN_API_TOKEN"] = AdminToken,
            ["PUBLIC_BASE_URL"] = PublicBaseUrl,
            ["USSD_CALLBACK_TOKEN"] = UssdCallbackToken,
            ["WORKER_IN_PROCESS"] = "false",
            ["INBOUND_SPOOL_PATH"] = SpoolPath,
            // Paced sends wait for their slot on the clock; on the fake clock that wait would never end.
            // Pacing is tested on the real clock (Delivery/PacingTests).
            ["SMS_RATE_PER_SECOND"] = "0",
            // Likewise reconciliation's lookups, paced on the clock.
            ["SMS_LOOKUPS_PER_SECOND"] = "0",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "Warning",
        };
        Configure(settings);
        settings.TryAdd("SIMULATOR_ENABLED", settings["SMS_PROVIDER"] == "simulator" ? "true" : "false");
        // An empty DATABASE_URL would start the developer's private cluster under .data/: never from a test.
        if (string.IsNullOrEmpty(settings["DATABASE_URL"]))
            throw new InvalidOperationException("GatewayApp has no database yet: use it as a class fixture, or set DATABASE_URL in Configure");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            HangfireLogging.KeepProcessWide(services);
            // Warnings and errors as logged (the level setting above applies), for tests of what an operator is told.
            services.AddFakeLogging();
        });
    }

    /// <summary>What the gateway logged at Warning and above since it started.</summary>
    public IReadOnlyList<Microsoft.Extensions.Logging.Testing.FakeLogRecord> Logged() => Services.GetFakeLogCollector().GetSnapshot();

    /// <summary>Another web process on the same database: its own host, so nothing this one remembers in memory.
    /// Disposed with this one.</summary>
    public WebApplicationFactory<Program> AnotherProcess() => WithWebHostBuilder(_ => { });

    public HttpClient AdminClient(string token = AdminToken)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async Task<T> QuerySingleAsync<T>(string sql, object? args = null)
    {
        await using var conn = await OpenDatabaseAsync();
        return await conn.QuerySingleAsync<T>(sql, args);
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await OpenDatabaseAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
    }
}
