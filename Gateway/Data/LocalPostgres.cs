using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Gateway.Data;

/// <summary>
/// A private PostgreSQL cluster started from the machine's own binaries: the embedded default of the run
/// command, and the throwaway database server of the tests. Installs the server with apt when it is missing.
/// PostgreSQL refuses to run as root, so as root every server command runs as the 'postgres' user.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly Action<string> _log;
    private bool _startedByUs;

    public string DataDirectory { get; }
    public int Port { get; private set; }

    private LocalPostgres(string bin, string dataDirectory, Action<string> log)
    {
        _bin = bin;
        DataDirectory = dataDirectory;
        _log = log;
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Loopback only and trust auth: this cluster never listens beyond this machine.
        Pooling = true,
    }.ConnectionString;

    /// <summary>Starts (or reuses, when already running) the cluster in <paramref name="dataDirectory"/>.</summary>
    /// <param name="settings">Extra server settings written at initdb time, e.g. fsync=off for tests.</param>
    public static async Task<LocalPostgres> StartAsync(string dataDirectory, Action<string> log,
        IReadOnlyDictionary<string, string>? settings = null, CancellationToken ct = default)
    {
        var bin = await FindOrInstallBinariesAsync(log, ct);
        var pg = new LocalPostgres(bin, await ReachableDataDirectoryAsync(Path.GetFullPath(dataDirectory), log, ct), log);
        await pg.InitAsync(settings ?? new Dictionary<string, string>(), ct);
        await pg.StartOrReuseAsync(ct);
        return pg;
    }

    public async Task CreateDatabaseIfMissingAsync(string database, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(ConnectionString("postgres"));
        await conn.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn)
        {
            Parameters = { new() { Value = database } },
        };
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", conn);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task StopAsync()
    {
        if (!_startedByUs) return;
        _startedByUs = false;
        NpgsqlConnection.ClearAllPools();
        await RunServerCommandAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w"], CancellationToken.None, throwOnError: false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Stops the server as a crash would (pg_ctl stop -m immediate: no checkpoint, recovery at the next start). For the fault suite.</summary>
    public async Task CrashAsync() =>
        await RunServerCommandAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w"], CancellationToken.None);

    /// <summary>Starts a server this object started before (after <see cref="CrashAsync"/>) on the same port.</summary>
    public async Task StartAgainAsync()
    {
        await RunServerCommandAsync("pg_ctl", ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(DataDirectory, "server.log"), "-o", $"-p {Port}"],
            CancellationToken.None);
        _startedByUs = true;
    }

    private async Task InitAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION"))) return;

        Directory.CreateDirectory(DataDirectory);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", DataDirectory], null, ct);
            await RunAsync("chmod", ["700", DataDirectory], null, ct);
        }
        _log($"Creating a private PostgreSQL cluster in {DataDirectory}");
        await RunServerCommandAsync("initdb", ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], ct);

        // Loopback TCP only; no Unix socket, so no shared /var/run/postgresql is needed.
        var conf = new List<string> { "", "# written by the gateway", "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''" };
        conf.AddRange(settings.Select(s => $"{s.Key} = '{s.Value}'"));
        await File.AppendAllLinesAsync(Path.Combine(DataDirectory, "postgresql.conf"), conf, ct);
    }

    private async Task StartOrReuseAsync(CancellationToken ct)
    {
        var running = await RunServerCommandAsync("pg_ctl", ["status", "-D", DataDirectory], ct, throwOnError: false);
        if (running.ExitCode == 0 && ReadPortFromPidFile() is { } livePort)
        {
            Port = livePort;
            _log($"Reusing the private PostgreSQL already running on 127.0.0.1:{Port}");
            return;
        }

        // Kept inside the data folder, so it goes wherever the cluster goes.
        var portFile = Path.Combine(DataDirectory, "gateway.port");
        Port = File.Exists(portFile) && int.TryParse(await File.ReadAllTextAsync(portFile, ct), out var last) && IsFree(last) ? last : FreePort();
        var logFile = Path.Combine(DataDirectory, "server.log");
        await RunServerCommandAsync("pg_ctl", ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", logFile, "-o", $"-p {Port}"], ct);
        _startedByUs = true;
        try { await File.WriteAllTextAsync(portFile, Port.ToString(), ct); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _log($"Started a private PostgreSQL on 127.0.0.1:{Port} (data in {DataDirectory})");
    }

    // As root the server runs as 'postgres', which cannot enter a checkout under a private home such as /root.
    private static async Task<string> ReachableDataDirectoryAsync(string wanted, Action<string> log, CancellationToken ct)
    {
        if (!IsRoot) return wanted;
        var parent = Path.GetDirectoryName(wanted)!;
        Directory.CreateDirectory(parent);
        var probe = await RunAsync("runuser", ["-u", "postgres", "--", "test", "-x", parent], null, ct, throwOnError: false);
        if (probe.ExitCode == 0) return wanted;

        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(wanted)))[..12].ToLowerInvariant();
        var fallback = Path.Combine("/var/tmp/gateway-postgres", hash);
        Directory.CreateDirectory("/var/tmp/gateway-postgres");
        log($"The 'postgres' user cannot reach {parent}; keeping the private cluster in {fallback} instead");
        return fallback;
    }

    private int? ReadPortFromPidFile()
    {
        // postmaster.pid line 4 is the port (PostgreSQL docs, "Database File Layout").
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var lines = File.ReadAllLines(pidFile);
        return lines.Length > 3 && int.TryParse(lines[3].Trim(), out var port) ? port : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsRoot => Environment.UserName == "root" || (OperatingSystem.IsLinux() && GetEuid() == 0);

    private static uint GetEuid()
    {
        try { return uint.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2]); }
        catch (Exception) { return uint.MaxValue; }
    }

    private Task<(int ExitCode, string Output)> RunServerCommandAsync(string tool, string[] args, CancellationToken ct, bool throwOnError = true) =>
        IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args], null, ct, throwOnError)
            : RunAsync(Path.Combine(_bin, tool), args, null, ct, throwOnError);

    private static async Task<string> FindOrInstallBinariesAsync(Action<string> log, CancellationToken ct)
    {
        if (FindBinaries() is { } found) return found;

        log("PostgreSQL server binaries not found; installing the 'postgresql' package with apt-get");
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        string[] Apt(params string[] a) => IsRoot ? ["apt-get", .. a] : ["sudo", "-n", "-E", "apt-get", .. a];
        Task<(int ExitCode, string Output)> Run(string[] command, bool throwOnError) => RunAsync(command[0], command[1..], env, ct, throwOnError);

        // A fresh machine may have stale package lists: update once and retry before giving up.
        if ((await Run(Apt("install", "-y", "-q", "postgresql"), throwOnError: false)).ExitCode != 0)
        {
            await Run(Apt("update", "-q"), throwOnError: false);
            await Run(Apt("install", "-y", "-q", "postgresql"), throwOnError: true);
        }
        return FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL was installed but no initdb was found under /usr/lib/postgresql/*/bin; set PG_BIN to the folder holding initdb and pg_ctl");
    }

    private static string? FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } explicitBin && File.Exists(Path.Combine(explicitBin, "initdb")))
            return explicitBin;
        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot)) return null;
        return Directory.GetDirectories(debianRoot)
            .Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
            .FirstOrDefault();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args,
        IReadOnlyDictionary<string, string>? env, CancellationToken ct, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        // pg_ctl start is always given -l, so the postmaster it leaves running writes to its log, not to these pipes.
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = (await stdout + await stderr).Trim();
        if (throwOnError && process.ExitCode != 0)
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed with exit code {process.ExitCode}: {output}");
        return (process.ExitCode, output);
    }
}
