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

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="assembly">"Gateway" or "Gateway.Worker".</param>
    public static GatewayProcess Start(string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add(AssemblyPath(assembly));
        // Start from a clean slate: nothing of the test runner's own settings leaks into the gateway.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("DOTNET_ENVIRONMENT")).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return new GatewayProcess(Process.Start(psi)!);
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
