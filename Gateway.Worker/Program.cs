using Gateway.Hosting;
using Microsoft.Extensions.Options;

// The worker process: the same services as the web app, plus the Hangfire server and the dispatcher.
// Run any number of these against one database; they share the work through it.
try
{
    var builder = Host.CreateApplicationBuilder(args);
    builder.AddGatewayCore();
    builder.AddGatewayTelemetry(Telemetry.ListenerOnMetricsUrl);
    builder.Services.AddGatewayWorker();
    var host = builder.Build();
    host.Services.CheckSettings();
    await host.RunAsync();
    return 0;
}
catch (Exception e) when (SettingsException.IsBadSetting(e))
{
    return SettingsException.Report(e);
}
