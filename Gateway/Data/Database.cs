using Dapper;
using Npgsql;

namespace Gateway.Data;

public static class Database
{
    /// <summary>One NpgsqlDataSource (one pool) for the process; every slice opens connections from it.</summary>
    public static IServiceCollection AddGatewayDatabase(this IServiceCollection services, string connectionString)
    {
        // snake_case columns map onto PascalCase properties without aliases in every query.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddNpgsqlDataSource(connectionString, builder =>
        {
            builder.Name = "gateway";
            // Prepare the statements a connection runs most often (the webhooks' few) unless DATABASE_URL says otherwise:
            // it saves PostgreSQL parsing and planning them on every call (the webhook bench suite measured ~1.5× the requests/s).
            if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
                builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        });
        services.AddSingleton<DatabaseReadiness>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }
}
