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
        services.AddSingleton<Conversations>();
        services.AddSingleton<CounsellingSms>();
        services.AddSingleton<ClaimSupportRequest>();
        services.AddSingleton<ConversationMessages>();
        services.AddSingleton<ConversationNotes>();
        services.AddSingleton<WaitingRequests>();
        services.AddTransient<CounsellingTimers>();
        return services;
    }
}
