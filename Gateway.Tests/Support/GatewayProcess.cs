using System.Diagnostics;

namespace Gateway.Tests.Support;

/// <summary>
/// The built gateway (Gateway.dll or Gateway.Worker.dll) as a real child process: for what only a real process
/// shows, such as its exit code and what it prints when a setting is bad, or the run command's local mode.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private GatewayProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>What the process printed, line by line, without blank lines.</summary>
    public IReadOnlyList<string> OutputLines => Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Never answers: for start-up checks that must fail before any connection is tried.</summary>
    public const string UnreachableDatabase = "Host=127.0.0.1;Port=1;Username=postgres;Database=none";

    /// <summary>
    /// Settings a production process (no LOCAL_MODE) starts with: a staging gateway on the simulator, every start-up
    /// rule met. Tests change one thing at a time from here.
    /// </summary>
    public static Dictionary<string, string> ProductionSettings(string databaseUrl = UnreachableDatabase) => new()
    {
        ["DATABASE_URL"] = databaseUrl,
        ["ADMIN_API_TOKEN"] = GatewayApp.AdminToken,
        ["SMS_PROVIDER"] = "simulator",
        ["SIMULATOR_ENABLED"] = "true",
        ["USSD_CALLBACK_TOKEN"] = GatewayApp.UssdCallbackToken,
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
    };

    /// <param name="assembly">"Gateway" or "Gateway.Worker".</param>
    public static GatewayProcess Start(string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var psi = CleanStart("dotnet");
        psi.ArgumentList.Add(AssemblyPath(assembly));
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return new GatewayProcess(Process.Start(psi)!);
    }

    /// <summary>
    /// The README's run command, `dotnet run --project Gateway`, on the build the tests run from (--no-build):
    /// with its launch profile, as a newcomer runs it.
    /// </summary>
    public static GatewayProcess StartRunCommand(IReadOnlyDictionary<string, string> environment)
    {
        var psi = CleanStart("dotnet");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        foreach (var argument in new[] { "run", "--no-build", "-c", configuration, "--project", Path.Combine(RepoPaths.Root, "Gateway") })
            psi.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return new GatewayProcess(Process.Start(psi)!);
    }

    // Start from a clean slate: none of the test runner's own settings (ASP.NET Core's, or any gateway setting
    // documented in .env.example, such as a developer's LOCAL_MODE) leaks into the gateway.
    private static ProcessStartInfo CleanStart(string program)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        var settings = File.ReadLines(Path.Combine(RepoPaths.Root, ".env.example"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, "^([A-Z][A-Z0-9_]+)=").Groups[1].Value)
            .Where(k => k.Length > 0)
            .ToHashSet();
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("DOTNET_ENVIRONMENT") || settings.Contains(k)).ToList())
            psi.Environment.Remove(key);
        return psi;
    }

    // Gateway.dll sits next to the tests (a project reference); the worker is built beside them, not into them,
    // because both define a Program class.
    private static string AssemblyPath(string assembly)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        if (assembly == "Gateway") return Path.Combine(here.FullName, "Gateway.dll");
        var configuration = here.Parent!.Name;
        return Path.Combine(RepoPaths.Root, assembly, "bin", configuration, here.Name, assembly + ".dll");
    }

    /// <summary>A loopback port nobody listens on right now, for ASPNETCORE_URLS.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls /health/ready until it answers 200; fails with what the process printed if it exits or times out.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(HasExited, $"the gateway exited early:\n{Output}");
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == System.Net.HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        Assert.Fail($"not ready after {timeout}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Ctrl+C: the way an operator stops the run command.</summary>
    public async Task InterruptAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString()])) await kill.WaitForExitAsync();
        await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
