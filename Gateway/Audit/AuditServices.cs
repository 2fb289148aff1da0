namespace Gateway.Audit;

public static class AuditServices
{
    /// <summary>The audit log: written by every slice that acts for a person, read by admins.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ListAuditEvents>();
        return services;
    }
}
