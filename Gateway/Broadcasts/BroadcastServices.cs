using Gateway.Hosting;

namespace Gateway.Broadcasts;

public static class BroadcastServices
{
    /// <summary>Broadcasts and the bulk-sending rules (quiet hours, frequency guard) other producers use too.</summary>
    public static IServiceCollection AddBroadcasts(this IServiceCollection services)
    {
        services.AddValidatedOptions<BroadcastOptions, BroadcastOptionsValidator>();
        services.AddSingleton<QuietHours>();
        services.AddSingleton<FrequencyGuard>();
        services.AddSingleton<ValidateBroadcast>();
        services.AddSingleton<PreviewBroadcast>();
        services.AddSingleton<CreateBroadcast>();
        services.AddSingleton<ScheduleBroadcast>();
        services.AddSingleton<ApproveBroadcast>();
        services.AddSingleton<RejectBroadcast>();
        services.AddSingleton<MonthlyBudget>();
        services.AddSingleton<IBroadcastMessageCounts, TalliedMessageCounts>();
        services.AddSingleton<RawMessageCounts>();
        services.AddSingleton<CancelBroadcast>();
        services.AddSingleton<GetBroadcast>();
        services.AddSingleton<ListBroadcasts>();
        services.AddTransient<FanOutBroadcast>();
        services.AddTransient<SettleBroadcasts>();
        services.AddTransient<HoldForQuietHours>();
        return services;
    }
}
