using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Support;

/// <summary>
/// Stoplight Prism serving Twilio's own OpenAPI description (twilio_api_v2010.json, as published in twilio/twilio-oai),
/// started once per test run and stopped when the run ends. Prism validates each request against the description and
/// answers with Twilio's example. Both come from npm into .tools/ (git-ignored) on first use: Prism from its own
/// package, the description from @twilio-alpha/mcp, which ships it (MIT); when npm itself is missing, nodejs and npm
/// are installed with apt, as LocalPostgres does for PostgreSQL. Nothing outside the clone is needed.
/// </summary>
public static class Prism
{
    public const string Package = "@stoplight/prism-cli@5.16.0";
    public const string SpecPackage = "@twilio-alpha/mcp@0.7.0";

    private static readonly Lazy<Task<Uri>> Server = new(StartAsync);

    /// <summary>The base URL of the running mock, e.g. http://127.0.0.1:41234.</summary>
    public static Task<Uri> UrlAsync() => Server.Value;

    private static async Task<Uri> StartAsync()
    {
        var tools = Path.Combine(RepoPaths.Root, ".tools");
        var prism = Path.Combine(tools, "node_modules", ".bin", "prism");
        var spec = Path.Combine(tools, "node_modules", "@twilio-alpha", "mcp", "twilio-oai", "spec", "json", "twilio_api_v2010.json");
        if (!File.Exists(prism) || !File.Exists(spec))
        {
            await EnsureNpmAsync();
            await RunAsync("npm", ["install", "--prefix", tools, "--no-audit", "--no-fund", "--loglevel=error", Package, SpecPackage], TimeSpan.FromMinutes(10));
            if (!File.Exists(spec))
                throw new FileNotFoundException($"{SpecPackage} was installed but does not hold Twilio's OpenAPI description at {spec}");
        }

        var port = FreePort();
        // The test host may be killed without running exit handlers, so a small shell watches it and stops Prism
        // when it is gone: no mock server outlives the test run.
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", WatchdogScript, "prism-watchdog", prism, port.ToString(), spec, Environment.ProcessId.ToString() })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start prism");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        };

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void Read(string? line)
        {
            if (line is null) return;
            lock (output) output.AppendLine(line);
            if (line.Contains("Prism is listening", StringComparison.Ordinal)) listening.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = await Task.WhenAny(listening.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(2)));
        if (started != listening.Task)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            lock (output) throw new InvalidOperationException($"Prism did not start on port {port}:\n{output}");
        }
        return new Uri($"http://127.0.0.1:{port}");
    }

    // $1 prism, $2 port, $3 spec, $4 the test host's pid.
    private const string WatchdogScript = """
        "$1" mock -h 127.0.0.1 -p "$2" "$3" &
        child=$!
        trap 'kill $child 2>/dev/null' EXIT INT TERM
        while kill -0 "$4" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done
        """;

    private static async Task EnsureNpmAsync()
    {
        if ((await TryRunAsync("npm", ["--version"])).ExitCode == 0) return;
        var root = Environment.UserName == "root";
        string[] Apt(params string[] args) => root ? args : ["-n", "apt-get", .. args];
        var apt = root ? "apt-get" : "sudo";
        await TryRunAsync(apt, Apt("update", "-q"));
        await RunAsync(apt, Apt("install", "-y", "-q", "nodejs", "npm"), TimeSpan.FromMinutes(10));
    }

    private static async Task RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var (exitCode, output) = await TryRunAsync(file, args, timeout);
        if (exitCode != 0)
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed with exit code {exitCode}: {output}");
    }

    private static async Task<(int ExitCode, string Output)> TryRunAsync(string file, string[] args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(cts.Token);
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
