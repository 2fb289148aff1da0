using System.Diagnostics;
using System.Text;
using Gateway.Tests.Support;

namespace Gateway.Bench.Faults;

/// <summary>
/// A built gateway binary (Gateway.dll or Gateway.Worker.dll, Release, beside this suite's build) as a real child
/// process that the suite can kill -9, with what it printed.
/// </summary>
public sealed class GatewayBinary : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayBinary(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Add(string? line)
    {
        lock (_output) _output.AppendLine(line);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <param name="assembly">"Gateway" or "Gateway.Worker".</param>
    public static GatewayBinary Start(string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add(AssemblyPath(assembly));
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("DOTNET_ENVIRONMENT") || k == "LOCAL_MODE").ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in environment) psi.Environment[key] = value;
        return new GatewayBinary(Process.Start(psi)!);
    }

    // Gateway.dll sits next to the suite (a project reference); the worker is built beside it, not into it, because
    // both define a Program class.
    private static string AssemblyPath(string assembly)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        if (assembly == "Gateway") return Path.Combine(here.FullName, "Gateway.dll");
        return Path.Combine(RepoPaths.Root, assembly, "bin", here.Parent!.Name, here.Name, assembly + ".dll");
    }

    /// <summary>kill -9: the process ends at once, with no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
