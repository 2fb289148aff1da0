using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Bench;

/// <summary>
/// wrk (Debian package "wrk"), a closed-loop HTTP load generator in C, for requests per second at saturation.
/// Chosen because it is packaged, cheap on CPU (the server shares the same two cores) and scriptable in Lua, which
/// replays our pre-signed requests. Its latencies at saturation are queueing time, not a latency goal (performance.md §8.1).
/// </summary>
public static partial class Wrk
{
    public sealed record Result(double RequestsPerSecond, long Requests, long NonSuccess, long SocketErrors, double P50Ms, double P99Ms, string Output);

    public static string EnsureInstalled()
    {
        if (Which("wrk") is { } path) return path;
        Console.WriteLine("wrk not found: installing it with apt-get (Debian package 'wrk')");
        var sudo = Environment.UserName == "root" ? "" : "sudo -n ";
        Run("/bin/sh", $"-c \"{sudo}apt-get install -y -qq wrk || ({sudo}apt-get update -qq && {sudo}apt-get install -y -qq wrk)\"");
        return Which("wrk") ?? throw new InvalidOperationException("wrk is not installed and apt-get could not install it: apt-get install wrk");
    }

    public static Result Run(string url, string requestsFile, int connections, int seconds)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "webhook.lua");
        var output = Run(EnsureInstalled(), $"-t1 -c{connections} -d{seconds}s --latency -s {script} {url} -- {requestsFile}");
        double Number(Regex r) => r.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        long Count(Regex r) => r.Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socketErrors = SocketErrors().Matches(output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return new Result(Number(RequestsPerSecond()), Count(Requests()), Count(NonSuccess()), socketErrors,
            Milliseconds(Percentile50().Match(output)), Milliseconds(Percentile99().Match(output)), output);
    }

    private static double Milliseconds(Match m)
    {
        if (!m.Success) return double.NaN;
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result + stderr.Result;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"([0-9]+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: ([0-9]+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"(?:connect|read|write|timeout) ([0-9]+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"\s50%\s+([0-9.]+)(us|ms|s)")]
    private static partial Regex Percentile50();

    [GeneratedRegex(@"\s99%\s+([0-9.]+)(us|ms|s)")]
    private static partial Regex Percentile99();
}
