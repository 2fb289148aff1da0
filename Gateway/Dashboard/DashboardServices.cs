namespace Gateway.Dashboard;

public static class DashboardServices
{
    /// <summary>The dashboard reads the tallies; the raw-table source is the reference tests and the bench compare with.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<IDashboardSource, TalliedDashboardSource>();
        services.AddSingleton<RawTableDashboardSource>();
        services.AddTransient<CompactTallies>();
        return services;
    }
}
