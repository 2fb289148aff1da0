using Gateway.Admin;
using Gateway.Audit;
using Gateway.Broadcasts;
using Gateway.Hosting;
using Gateway.Imports;
using Gateway.Providers.AfricasTalking;
using Gateway.Providers.Kannel;
using Gateway.Providers.Simulator;
using Gateway.Providers.Twilio;
using Gateway.Shell;
using Gateway.Staff;
using Gateway.Subscriptions;
using Gateway.Support;

try
{
    var builder = WebApplication.CreateBuilder(args);
    var localMode = await builder.UseLocalModeWhenOnAsync();
    builder.AddGatewayCore();
    builder.AddGatewayWeb(workerInProcessByDefault: localMode);

    var app = builder.Build();
    app.UseGatewayWeb();
    app.MapGatewayHealth();
    app.MapGatewayMetrics();     // for Prometheus: a token of any role, or METRICS_URLS
    app.MapGatewayOpenApi();     // /openapi/v1.json: the admin API and the webhooks
    app.MapTwilioSms();          // residents' SMS, Twilio's webhook
    app.MapTwilioStatus();       // delivery reports
    app.MapKannel();             // Kannel's delivery reports
    app.MapKannelSms();          // residents' SMS through Kannel's sms-service
    app.MapAfricasTalking();     // USSD sessions
    app.MapConsole();            // the staff console: pages for officials, counsellors and admins
    app.MapAdminApi();           // officials and counsellors
    app.MapStaffApi();           // admins manage staff
    app.MapAuditApi();           // admins read the audit log
    app.MapSupport();            // counsellors' conversations
    app.MapBroadcasts();         // officials schedule broadcasts
    app.MapImports();            // officials bring residents in from lists
    app.MapImportUpload();       // the console's upload of a list, streamed
    app.MapSubscriberExports();  // and take them out, audited
    app.MapSimulator();          // phone simulator: open in local mode, behind a token with SIMULATOR_ENABLED
    app.MapUssdSimulator();
    app.MapJobsDashboard();      // Hangfire's dashboard: staff look, admins act

    await app.RunAsync();
    return 0;
}
catch (Exception e) when (SettingsException.IsBadSetting(e))
{
    return SettingsException.Report(e);
}

public partial class Program;
