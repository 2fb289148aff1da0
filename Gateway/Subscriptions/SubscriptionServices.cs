namespace Gateway.Subscriptions;

public static class SubscriptionServices
{
    /// <summary>The subscriber store, its consent ledger, preferences and the right to erasure.</summary>
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
    {
        services.AddSingleton<Subscribers>();
        services.AddSingleton<ChangeConsent>();
        services.AddSingleton<SubscriberPreferences>();
        services.AddSingleton<DeleteSubscriberData>();
        services.AddSingleton<GetSubscriber>();
        services.AddSingleton<ListConsentEvents>();
        services.AddSingleton<ExportSubscribers>();
        services.AddSingleton<KnownRegions>();
        return services;
    }
}
