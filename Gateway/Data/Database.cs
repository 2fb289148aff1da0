using Dapper;
using Npgsql;

namespace Gateway.Data;

public static class Database
{
    /// <summary>One NpgsqlDataSource (one pool) for the process; every slice opens connections from it.</summary>
    public static IServiceCollection AddGatewayDatabase(this IServiceCollection services, string connectionString)
    {
        UseDapperConventions();
        services.AddNpgsqlDataSource(connectionString, builder =>
        {
            builder.Name = "gateway";
            // Unless DATABASE_URL says otherwise: prepare the statements a connection runs most often (the webhooks'
            // few), so PostgreSQL stops parsing and planning them on every call; and do not reset a pooled connection's
            // session on every return to the pool (five extra statements per webhook call). So no code may leave session
            // state on a pooled connection: only SET LOCAL, no temporary tables; the dispatcher's LISTEN connection
            // UNLISTENs before it goes back, and the migrator releases its advisory lock itself.
            // Measured with the webhook bench suite: about 1.5x the requests/s for each.
            // One hazard of automatic preparation (Npgsql 10.0.3): if the execution that prepares a statement fails at
            // Bind (a parameter PostgreSQL refuses, such as text with U+0000), Npgsql keeps the statement without its row
            // description and misreads its next result on that connection ("unexpected backend message DataRow"). So
            // values that come from outside are made storable before they reach SQL (Inbound/InboundReader.Storable).
            if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
                builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
            if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
                builder.ConnectionStringBuilder.NoResetOnClose = true;
        });
        services.AddSingleton<DatabaseReadiness>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }

    /// <summary>Dapper is the one parameter binder and row mapper. Process-wide; safe to call more than once.</summary>
    public static void UseDapperConventions()
    {
        // snake_case columns map onto PascalCase properties without aliases in every query.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new UtcTimestamps());
    }
}
