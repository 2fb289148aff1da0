using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Inbound;
using Gateway.Hosting;
using Gateway.Ussd;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.AfricasTalking;

public static class AfricasTalkingEndpoints
{
    public const string UssdPath = "/webhooks/ussd/africastalking";

    /// <summary>Africa's Talking's callbacks. Another aggregator (Hubtel's JSON, protocols.md §8.3) is a folder like this one.</summary>
    public static void MapAfricasTalking(this IEndpointRouteBuilder app)
    {
        var ussd = app.ServiceProvider.GetRequiredService<IOptions<UssdOptions>>().Value;
        if (!ussd.Enabled) return;
        // Africa's Talking signs nothing: without the token anyone who finds the URL can act for any number. Only
        // local mode starts without one (UssdCallbackTokenRequired), and says so.
        if (string.IsNullOrEmpty(ussd.CallbackToken))
            app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AfricasTalkingEndpoints))
                .LogWarning("Local mode: USSD_CALLBACK_TOKEN is not set, so {Path} accepts callbacks from anyone", UssdPath);

        app.MapPost(UssdPath, AfricasTalkingUssd.ReceiveAsync)
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .TimedAsWebhook("africastalking_ussd")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .AddEndpointFilter<UssdCallbackTokenFilter>()
            .WithRequestSizeLimit(AfricasTalkingUssd.MaxRequestBytes);
    }
}
