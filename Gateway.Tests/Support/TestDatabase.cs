using Gateway.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.Support;

/// <summary>
/// The one database fixture: a throwaway PostgreSQL cluster started once per test run from the installed
/// binaries (or the server in TEST_DATABASE_URL), a template database migrated once, and a fresh copy of
/// the template for every test class, so classes run in parallel without seeing each other's rows.
/// </summary>
public static class TestDatabase
{
    private static readonly string TemplateName = $"gateway_template_{Environment.ProcessId}";
    private static readonly Lazy<Task<string>> Server = new(StartServerAsync);
    private static int _counter;

    /// <summary>A new database with every migration applied; returns its connection string.</summary>
    public static Task<string> CreateAsync() => CreateDatabaseAsync("test", $"TEMPLATE {TemplateName}");

    /// <summary>A new database with nothing in it: for tests of the migrations themselves.</summary>
    public static Task<string> CreateEmptyAsync() => CreateDatabaseAsync("empty", "");

    private static async Task<string> CreateDatabaseAsync(string prefix, string options)
    {
        var serverConnection = await Server.Value;
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}";
        await using var conn = new NpgsqlConnection(serverConnection);
        await conn.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name} {options}", conn);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(serverConnection) { Database = name }.ConnectionString;
    }

    // On a shared server, leave nothing behind: every database this run created carries its process id.
    private static void DropOurDatabases(string serverConnection)
    {
        NpgsqlConnection.ClearAllPools();
        using var conn = new NpgsqlConnection(serverConnection);
        conn.Open();
        using var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2", conn)
        {
            Parameters = { new() { Value = $"%\\_{Environment.ProcessId}\\_%" }, new() { Value = TemplateName } },
        };
        var names = new List<string>();
        using (var reader = list.ExecuteReader())
            while (reader.Read()) names.Add(reader.GetString(0));
        foreach (var name in names)
        {
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", conn);
            drop.ExecuteNonQuery();
        }
    }

    // The test host may be killed before its exit handler has deleted the cluster: clear what earlier runs left.
    private static void RemoveClustersOfEndedRuns()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "gateway-tests-*"))
        {
            var owner = Path.GetFileName(dir).Split('-')[2];
            if (int.TryParse(owner, out var pid) && IsRunning(pid)) continue;
            var pidFile = Path.Combine(dir, "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var postmaster) && IsRunning(postmaster))
                System.Diagnostics.Process.GetProcessById(postmaster).Kill();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try { return !System.Diagnostics.Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static async Task<string> StartServerAsync()
    {
        string serverConnection;
        if (Environment.GetEnvironmentVariable("TEST_DATABASE_URL") is { Length: > 0 } url)
        {
            serverConnection = DatabaseOptions.ToConnectionString(url);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropOurDatabases(serverConnection);
        }
        else
        {
            RemoveClustersOfEndedRuns();
            var dir = Path.Combine(Path.GetTempPath(), $"gateway-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
            // Durability buys nothing in a cluster thrown away at the end of the run.
            var pg = await LocalPostgres.StartAsync(dir, _ => { }, new Dictionary<string, string>
            {
                ["fsync"] = "off",
                ["synchronous_commit"] = "off",
                ["full_page_writes"] = "off",
                ["max_connections"] = "300",
                ["shared_buffers"] = "256MB",
            });
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                pg.StopAsync().GetAwaiter().GetResult();
                try { Directory.Delete(pg.DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            };
            serverConnection = pg.ConnectionString("postgres");
        }

        await using (var conn = new NpgsqlConnection(serverConnection))
        {
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {TemplateName} WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {TemplateName}", conn);
            await create.ExecuteNonQueryAsync();
        }

        var templateConnection = new NpgsqlConnectionStringBuilder(serverConnection) { Database = TemplateName, Pooling = false }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(templateConnection))
        {
            await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        }
        NpgsqlConnection.ClearAllPools();
        return new NpgsqlConnectionStringBuilder(serverConnection) { Pooling = false }.ConnectionString;
    }
}
