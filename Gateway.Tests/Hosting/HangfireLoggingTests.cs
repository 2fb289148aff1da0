using Hangfire;
using Gateway.Tests.Support;
using Hangfire.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Test hosts come and go in parallel; Hangfire's log provider is one per process. After one host is disposed, another
/// must still be able to start a job server and enqueue (CI once failed with "Cannot access a disposed object:
/// LoggerFactory" in an unrelated test).
/// </summary>
public sealed class HangfireLoggingTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    [Fact]
    public async Task AfterAnotherHostIsDisposed_HangfireStillLogs()
    {
        var other = app.AnotherProcess();
        _ = other.Services.GetRequiredService<IBackgroundJobClient>();
        await other.DisposeAsync();
        var worker = await WorkerHost.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = app.ConnectionString }, dispatcher: false);
        _ = worker.Services.GetRequiredService<IBackgroundJobClient>();
        await worker.StopAsync();
        worker.Dispose();

        LogProvider.GetLogger("after-dispose").Log(LogLevel.Info, () => "still here");
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { Queues = ["nothing-here"] },
            app.Services.GetRequiredService<JobStorage>());
        server.SendStop();
    }
}
