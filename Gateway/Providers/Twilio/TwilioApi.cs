using System.Net;
using Microsoft.Extensions.Options;
using Twilio.Clients;

namespace Gateway.Providers.Twilio;

/// <summary>
/// The Twilio REST client, built once from TwilioOptions (never the SDK's static TwilioClient), over our own
/// System.Net.Http handler: it can point the SDK at another host (TWILIO_API_BASE_URL: the SDK itself has no
/// base-URL setting, protocols.md §5.3) and it notes what the SDK's exceptions hide (the HTTP status and
/// Retry-After of a 429, and whether a failure happened before the request was sent).
/// </summary>
public static class TwilioApi
{
    public static IServiceCollection AddTwilioSms(this IServiceCollection services)
    {
        services.AddSingleton<ITwilioRestClient>(sp => CreateClient(sp.GetRequiredService<IOptions<TwilioOptions>>().Value));
        services.AddSingleton<TwilioSmsProvider>();
        return services;
    }

    public static TwilioRestClient CreateClient(TwilioOptions options)
    {
        var baseUri = string.IsNullOrWhiteSpace(options.ApiBaseUrl) ? null : new Uri(options.ApiBaseUrl);
        var http = new HttpClient(new TwilioApiHandler(baseUri)) { Timeout = options.RequestTimeout };
        return new TwilioRestClient(options.AccountSid, options.AuthToken, httpClient: new global::Twilio.Http.SystemNetHttpClient(http));
    }
}

/// <summary>What our handler saw of one SDK call. The provider starts one per call; it flows down the call as an AsyncLocal.</summary>
internal sealed class TwilioCall
{
    private static readonly AsyncLocal<TwilioCall?> CurrentCall = new();

    public HttpStatusCode? Status { get; set; }
    public TimeSpan? RetryAfter { get; set; }
    /// <summary>The exception the HTTP stack threw, before the SDK wrapped it.</summary>
    public Exception? TransportError { get; set; }

    public static TwilioCall? Current => CurrentCall.Value;

    public static TwilioCall Begin() => CurrentCall.Value = new TwilioCall();
}

internal sealed class TwilioApiHandler(Uri? baseUri) : DelegatingHandler(new SocketsHttpHandler
{
    // As the SDK's own default: a redirect from the API is a fault to see, not to follow.
    AllowAutoRedirect = false,
    // Pick up DNS changes of api.twilio.com on long-running workers.
    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
})
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (baseUri is not null)
            request.RequestUri = new Uri(baseUri, request.RequestUri!.PathAndQuery);
        var call = TwilioCall.Current;
        try
        {
            var response = await base.SendAsync(request, ct);
            if (call is not null)
            {
                call.Status = response.StatusCode;
                call.RetryAfter = response.Headers.RetryAfter switch
                {
                    { Delta: { } delta } => delta,
                    { Date: { } date } => date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
                    _ => null,
                };
            }
            return response;
        }
        catch (Exception e) when (call is not null)
        {
            call.TransportError = e;
            throw;
        }
    }
}
