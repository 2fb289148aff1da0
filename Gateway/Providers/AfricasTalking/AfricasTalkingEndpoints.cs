using Gateway.Hosting;
using Gateway.Ussd;

namespace Gateway.Providers.AfricasTalking;

public static class AfricasTalkingEndpoints
{
    public const string UssdPath = "/webhooks/ussd/africastalking";

    /// <summary>Africa's Talking's callbacks. Another aggregator (Hubtel's JSON, protocols.md §8.3) is a folder like this one.</summary>
    public static void MapAfricasTalking(this IEndpointRouteBuilder app)
    {
        app.MapPost(UssdPath, AfricasTalkingUssd.ReceiveAsync)
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .AddEndpointFilter<UssdCallbackTokenFilter>()
            .WithRequestSizeLimit(AfricasTalkingUssd.MaxRequestBytes);
    }
}
