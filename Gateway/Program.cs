using Gateway.Hosting;
using Gateway.Providers.AfricasTalking;
using Gateway.Admin;
using Gateway.Broadcasts;
using Gateway.Providers.Simulator;
using Gateway.Providers.Twilio;
using Microsoft.Extensions.Options;

try
{
    var builder = WebApplication.CreateBuilder(args);
    var localMode = await builder.UseLocalPostgresWhenNoDatabaseUrlAsync();
    builder.AddGatewayCore();
    builder.AddGatewayWeb(workerInProcessByDefault: localMode);

    var app = builder.Build();
    app.UseGatewayWeb();
    app.MapGatewayHealth();
    app.MapSimulator();
    app.MapAfricasTalking();
    app.MapUssdSimulator();
    app.MapTwilioSms();
    app.MapAdminApi();
    app.MapTwilioStatus();
    app.MapBroadcasts();

    await app.RunAsync();
    return 0;
}
catch (Exception e) when (SettingsException.IsBadSetting(e))
{
    return SettingsException.Report(e);
}

public partial class Program;
