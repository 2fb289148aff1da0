using DbUp;
using DbUp.Engine.Output;
using Hangfire.PostgreSql;
using Npgsql;

namespace Gateway.Data;

/// <summary>
/// Applies the numbered SQL files in Data/Migrations (DbUp journals them in public.schemaversions) and
/// Hangfire's own schema, under a PostgreSQL advisory lock so that several web and worker processes
/// starting together migrate exactly once.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource db, ILogger<DatabaseMigrator> log)
{
    public const string HangfireSchema = "hangfire";

    // Any constant works; it only has to be the same in every process of this gateway.
    private const long MigrationLockKey = 7_204_611_530_001;

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", conn))
        {
            lockCmd.Parameters.AddWithValue("key", MigrationLockKey);
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        try
        {
            var upgrade = DeployChanges.To
                .PostgresqlDatabase(new DbUp.Postgresql.PostgresqlConnectionManager(db))
                .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, name => name.Contains(".Data.Migrations."))
                .WithTransactionPerScript()
                .LogTo(new DbUpLog(log))
                .Build();
            var result = upgrade.PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);

            PostgreSqlObjectsInstaller.Install(conn, HangfireSchema);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", conn);
            unlock.Parameters.AddWithValue("key", MigrationLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>Names of the migration files this build knows, in the order they apply.</summary>
    public static IReadOnlyList<string> KnownScripts() => typeof(DatabaseMigrator).Assembly.GetManifestResourceNames()
        .Where(n => n.Contains(".Data.Migrations.") && n.EndsWith(".sql"))
        .Order(StringComparer.Ordinal)
        .ToList();

    private sealed class DbUpLog(ILogger log) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => log.LogTrace(format, args);
        public void LogDebug(string format, params object[] args) => log.LogDebug(format, args);
        public void LogInformation(string format, params object[] args) => log.LogInformation(format, args);
        public void LogWarning(string format, params object[] args) => log.LogWarning(format, args);
        public void LogError(string format, params object[] args) => log.LogError(format, args);
        public void LogError(Exception ex, string format, params object[] args) => log.LogError(ex, format, args);
    }
}
