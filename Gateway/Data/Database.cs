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
        services.AddNpgsqlDataSource(connectionString, builder => builder.Name = "gateway");
        services.AddSingleton<DatabaseReadiness>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }
}
