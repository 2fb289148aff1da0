using Gateway.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Bench;

/// <summary>
/// A fresh PostgreSQL cluster for one benchmark run (default settings, durable commits, as in production),
/// with databases created on demand and migrated by the gateway's own migrator.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly LocalPostgres _server;
    private readonly string _directory;

    private BenchDatabase(LocalPostgres server, string directory)
    {
        _server = server;
        _directory = directory;
    }

    /// <param name="extraSettings">More server settings (the webhook suite's --profile loads pg_stat_statements).</param>
    public static async Task<BenchDatabase> StartAsync(IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var directory = Path.Combine("/var/tmp", $"gateway-bench-{Environment.ProcessId}");
        var settings = new Dictionary<string, string> { ["shared_buffers"] = "1GB", ["max_wal_size"] = "4GB", ["max_connections"] = "300" };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
            settings[key] = value;
        var server = await LocalPostgres.StartAsync(directory, message => Console.WriteLine($"[postgres] {message}"), settings);
        return new BenchDatabase(server, directory);
    }

    /// <summary>A new, fully migrated database; returns its connection string.</summary>
    public async Task<string> CreateMigratedAsync(string name)
    {
        await _server.CreateDatabaseIfMissingAsync(name);
        var connectionString = _server.ConnectionString(name);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return connectionString;
    }

    public string ConnectionString(string name) => _server.ConnectionString(name);

    /// <summary>A copy of <paramref name="template"/> (CREATE DATABASE … TEMPLATE), checkpointed: the same starting state for each engine.</summary>
    public async Task<string> CopyAsync(string template, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(_server.ConnectionString("postgres"));
        await conn.OpenAsync();
        // FILE_COPY: PostgreSQL 15's default (WAL_LOG) writes the whole copy to the WAL, whose checkpoint would then
        // land inside the next measurement.
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY", conn) { CommandTimeout = 600 })
            await create.ExecuteNonQueryAsync();
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", conn) { CommandTimeout = 600 })
            await checkpoint.ExecuteNonQueryAsync();
        return _server.ConnectionString(name);
    }

    /// <summary>A checkpoint, then the kernel's dirty pages written out: what one phase wrote is not flushed during the next.</summary>
    public async Task CheckpointAsync()
    {
        await using (var conn = new NpgsqlConnection(_server.ConnectionString("postgres")))
        {
            await conn.OpenAsync();
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", conn) { CommandTimeout = 600 };
            await checkpoint.ExecuteNonQueryAsync();
        }
        using var sync = System.Diagnostics.Process.Start("sync");
        await sync.WaitForExitAsync();
    }

    /// <summary>Stops the server as a crash would (the fault suite); <see cref="StartAgainAsync"/> brings it back on the same port.</summary>
    public Task CrashAsync() => _server.CrashAsync();

    public Task StartAgainAsync() => _server.StartAgainAsync();

    /// <summary>The cluster's data folder (its postmaster.pid names the server process, for CPU accounting).</summary>
    public string DataDirectory => _server.DataDirectory;
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _server.StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        File.Delete(_directory + ".port");   // LocalPostgres remembers the cluster's port beside its folder
    }
}
