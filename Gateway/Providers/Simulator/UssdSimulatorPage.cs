using Gateway.Delivery;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Simulator;

/// <summary>
/// /simulator/ussd: dial the USSD menu from a browser. The page posts Africa's Talking-shaped form requests to the
/// real callback (/webhooks/ussd/africastalking), a new session id per dial, so it exercises exactly what a phone would.
/// Mapped, like the SMS simulator, only when SMS_PROVIDER=simulator.
/// </summary>
public static class UssdSimulatorPage
{
    public const string Path = "/simulator/ussd";

    public static void MapUssdSimulator(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value.SmsProvider != DeliveryOptions.Simulator) return;

        app.MapGet(Path, () => Results.Stream(
            typeof(UssdSimulatorPage).Assembly.GetManifestResourceStream("Gateway.Providers.Simulator.ussd-simulator.html")!,
            "text/html; charset=utf-8"));
    }
}
