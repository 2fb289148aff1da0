using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Kannel;

public static class KannelSms
{
    /// <summary>The Kannel provider, its settings, its HTTP client and its callbacks' token filter.</summary>
    public static IServiceCollection AddKannelSms(this IServiceCollection services)
    {
        services.AddValidatedOptions<KannelOptions, KannelOptionsValidator>();
        services.AddHttpClient(KannelSmsProvider.HttpClientName, (sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<KannelOptions>>().Value.RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect from smsbox is a fault to see, not to follow with the password in the query.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The request URL holds the password, the number and the text: the client's own request logs would show them.
            .RemoveAllLoggers();
        services.AddSingleton<KannelSmsProvider>();
        services.AddSingleton<KannelCallbackTokenFilter>();
        return services;
    }
}
