using Gateway.Hosting;

namespace Gateway.Support;

public static class SupportServices
{
    /// <summary>Support requests (crisis, TALK, callbacks) and the counsellors' queue.</summary>
    public static IServiceCollection AddSupport(this IServiceCollection services)
    {
        services.AddValidatedOptions<SupportOptions, SupportOptionsValidator>();
        services.AddSingleton<OpenSupportRequest>();
        services.AddSingleton<ListSupportRequests>();
        services.AddSingleton<CloseSupportRequest>();
        return services;
    }
}
