using Gateway.Delivery;
using Gateway.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Tests.Support;

/// <summary>
/// A gateway worker as Gateway.Worker builds it (AddGatewayCore), running only the dispatcher service (or nothing,
/// for tests that run dispatch passes themselves), on the real clock. What it logs at Warning and above is kept
/// (<c>host.Services.GetFakeLogCollector()</c>). Two of these on one database behave like two worker processes: separate pools, separate dispatchers.
/// </summary>
public static class WorkerHost
{
    public static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?> settings, bool dispatcher = true, CancellationToken ct = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TEMPLATES_PATH"] = RepoPaths.Templates,
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("TEST_LOG_LEVEL") ?? "Warning",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        // Outside local mode the simulator provider must be asked for explicitly.
        if (settings.GetValueOrDefault("SMS_PROVIDER") is null or "simulator" && !settings.ContainsKey("SIMULATOR_ENABLED"))
            builder.Configuration["SIMULATOR_ENABLED"] = "true";
        builder.AddGatewayCore();
        builder.Services.AddFakeLogging();
        HangfireLogging.KeepProcessWide(builder.Services);
        if (dispatcher) builder.Services.AddHostedService<DispatcherService>();
        var host = builder.Build();
        await host.StartAsync(ct);
        return host;
    }
}
