using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gateway.Data;
using Gateway.Tests.Support;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Gateway.Tests.Hosting;

/// <summary>
/// /metrics as Prometheus reaches it: on real sockets of the built binaries, not the in-memory test server. The web
/// process's Kestrel serves it on the METRICS_URLS port without a token (and not on its own port); the worker's own
/// HTTP listener serves it on its METRICS_URLS port, with the counters of the Hangfire jobs that worker ran.
/// </summary>
public sealed class TelemetryProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync(Gateway.Hosting.Telemetry.MetricsPath);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return text;
    }

    private static (int Web, int Metrics) TwoFreePorts()
    {
        var web = GatewayProcess.FreePort();
        var metrics = GatewayProcess.FreePort();
        while (metrics == web) metrics = GatewayProcess.FreePort();
        return (web, metrics);
    }

    [Fact]
    public async Task Web_ServesMetricsOnItsMetricsPort_OverARealSocket_AndTheyMoveAfterAnInboundSms()
    {
        var database = await TestDatabase.CreateAsync();
        var (port, metricsPort) = TwoFreePorts();
        var settings = GatewayProcess.ProductionSettings(database);
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        settings["METRICS_URLS"] = $"http://127.0.0.1:{metricsPort}";
        await using var gateway = GatewayProcess.Start("Gateway", settings);
        using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayApp.AdminToken);
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        await gateway.WaitUntilReadyAsync(web, StartTimeout);

        var before = await ScrapeAsync(prometheus);
        // Not on the web port, token or not: only on the port Prometheus is given.
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync(Gateway.Hosting.Telemetry.MetricsPath)).StatusCode);

        var sent = await web.PostAsJsonAsync("/api/simulator/inbound", new { from = "+8613800138000", body = "HELP" });
        Assert.True(sent.StatusCode == HttpStatusCode.OK, await sent.Content.ReadAsStringAsync());
        var after = await ScrapeAsync(prometheus);

        Assert.Equal(1, TelemetryTests.Value(after, "gateway_inbound_messages_total", ("intent", "help"), ("channel", "simulator"))
            - TelemetryTests.Value(before, "gateway_inbound_messages_total", ("intent", "help"), ("channel", "simulator")));
    }

    [Fact]
    public async Task Worker_ServesMetricsOnItsOwnListener_WithTheCountersOfTheJobsItRan()
    {
        var database = await TestDatabase.CreateAsync();
        var metricsPort = GatewayProcess.FreePort();
        var settings = GatewayProcess.ProductionSettings(database);
        settings.Remove("ASPNETCORE_URLS");
        settings["METRICS_URLS"] = $"http://127.0.0.1:{metricsPort}";
        await using var worker = GatewayProcess.Start("Gateway.Worker", settings);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!worker.Output.Contains("Hangfire server started"))
        {
            Assert.False(worker.HasExited, $"the worker exited:\n{worker.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"the worker did not start its job server:\n{worker.Output}");
            await Task.Delay(250);
        }
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        const string job = "PurgeUssdSessionsJob.RunAsync";

        var before = await ScrapeAsync(prometheus);
        Assert.Equal(0, TelemetryTests.Value(before, "gateway_jobs_runs_total", ("job", job)));

        // The hourly purge, run now as an operator would from /hangfire: the worker takes it within its poll interval.
        var options = new PostgreSqlStorageOptions { SchemaName = DatabaseMigrator.HangfireSchema, PrepareSchemaIfNecessary = false };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(database, options), options);
        new RecurringJobManager(storage).Trigger("ussd:purge-sessions");

        var after = before;
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (TelemetryTests.Value(after, "gateway_jobs_runs_total", ("job", job)) == 0)
        {
            Assert.False(worker.HasExited, $"the worker exited:\n{worker.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"the job's run was not counted:\n{after}\n{worker.Output}");
            await Task.Delay(500);
            after = await ScrapeAsync(prometheus);
        }
        // At least once: the hour may turn meanwhile and run it on its own.
        var runs = TelemetryTests.Value(after, "gateway_jobs_runs_total", ("job", job), ("outcome", "succeeded"));
        Assert.True(runs >= 1, after);
        Assert.Equal(runs, TelemetryTests.Value(after, "gateway_job_duration_seconds_count", ("job", job)));
    }
}
