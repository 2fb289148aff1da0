using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Ussd;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Simulator;

/// <summary>
/// /simulator/ussd: dial the USSD menu from a browser. The page posts Africa's Talking-shaped form requests to the
/// real callback (/webhooks/ussd/africastalking), a new session id per dial, so it exercises exactly what a phone would.
/// Mapped and protected like the SMS simulator, and only while the USSD callback is (USSD_ENABLED).
/// </summary>
public static class UssdSimulatorPage
{
    public const string Path = "/simulator/ussd";

    public static void MapUssdSimulator(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<UssdOptions>>().Value.Enabled) return;
        if (SimulatorEndpoints.RoutesFor(app) is not { } simulator) return;

        simulator.MapGet(Path, Page).Produces(StatusCodes.Status200OK, contentType: "text/html");
    }

    /// <summary>The USSD simulator's page, shipped in the assembly.</summary>
    private static FileStreamHttpResult Page() => TypedResults.Stream(
        typeof(UssdSimulatorPage).Assembly.GetManifestResourceStream("Gateway.Providers.Simulator.ussd-simulator.html")!,
        "text/html; charset=utf-8");
}
