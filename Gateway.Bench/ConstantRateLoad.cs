using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>
/// An open-loop load generator: sends the pre-signed requests of a file at a fixed rate, whatever the server's
/// speed, and times each request from the moment it was DUE, not from when it was sent, so a stalled server shows
/// up in the percentiles instead of silently lowering the rate (no coordinated omission; wrk2's method).
/// Written here because wrk cannot hold a rate, wrk2 is not packaged in Debian, and `hey -q` repeats one fixed body
/// (every request after the first would be a duplicate MessageSid, measuring only the duplicate path).
/// Runs in its own process (the webhook suite starts it) so it does not share the server's thread pool or GC.
/// </summary>
public static class ConstantRateLoad
{
    public const string Flag = "--constant-rate";

    public sealed record Result(double OfferedPerSecond, double AchievedPerSecond, int Sent, int Errors, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);

    /// <summary>Child process entry: webhook --constant-rate &lt;url&gt; &lt;file&gt; &lt;rate&gt; &lt;seconds&gt;; prints a Result as JSON.
    /// The first second warms up connections and JIT and is not counted.</summary>
    public static async Task RunAsync(string[] args)
    {
        var (url, file, rate, seconds) = (args[0], args[1], int.Parse(args[2]), int.Parse(args[3]));
        var requests = File.ReadLines(file).Select(line => line.Split('\t', 2)).Select(p => (Signature: p[0], Body: Encoding.UTF8.GetBytes(p[1]))).ToArray();
        var total = Math.Min(requests.Length, rate * (seconds + 1));
        var warmUp = Math.Min(rate, total / 10);

        ThreadPool.SetMinThreads(32, 32);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 128, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
        { Timeout = TimeSpan.FromSeconds(30) };
        var latencies = new double[total];
        var errors = 0;
        var inFlight = new Task[total];
        var clock = Stopwatch.StartNew();
        var interval = Stopwatch.Frequency / (double)rate;

        async Task SendAsync(int index, long due)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(requests[index].Body) };
            request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
            request.Headers.Add("X-Twilio-Signature", requests[index].Signature);
            try
            {
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK && index >= warmUp) Interlocked.Increment(ref errors);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (index >= warmUp) Interlocked.Increment(ref errors);
            }
            latencies[index] = (clock.ElapsedTicks - due) * 1000.0 / Stopwatch.Frequency;
        }

        // Pacing on a thread of its own: timer and thread-pool jitter must not delay the schedule.
        var pacer = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = (long)(i * interval);
                while (clock.ElapsedTicks < due)
                {
                    if ((due - clock.ElapsedTicks) * 1000 / Stopwatch.Frequency > 1) Thread.Sleep(1); else Thread.SpinWait(20);
                }
                inFlight[i] = SendAsync(i, due);
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        pacer.Start();
        pacer.Join();
        await Task.WhenAll(inFlight);

        var measured = latencies[warmUp..];
        var elapsed = (clock.ElapsedTicks - (long)(warmUp * interval)) / (double)Stopwatch.Frequency;
        Array.Sort(measured);
        double At(double q) => measured[Math.Min(measured.Length - 1, (int)Math.Ceiling(q * measured.Length) - 1)];
        var result = new Result(rate, measured.Length / elapsed, measured.Length, errors, At(0.50), At(0.90), At(0.99), At(0.999), measured[^1]);
        Console.WriteLine(JsonSerializer.Serialize(result));
    }

    /// <summary>Starts this program again as the generator and waits for its figures.</summary>
    public static async Task<Result> RunInChildProcessAsync(string url, string file, int rate, int seconds)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(ConstantRateLoad).Assembly.Location);
        foreach (var arg in new[] { "webhook", Flag, url, file, rate.ToString(), seconds.ToString() })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_gcServer"] = "0";   // a client: keep its GC small and off the server's cores
        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"load generator exited {child.ExitCode} without figures: {output}");
        return JsonSerializer.Deserialize<Result>(json)!;
    }
}
