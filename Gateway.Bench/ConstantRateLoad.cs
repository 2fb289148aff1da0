using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
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

    /// <summary>When set, the generator writes each measured request's timing to the file it names (webhook --diagnose).</summary>
    public const string TimelineVariable = "BENCH_TIMELINE";

    public sealed record Result(double OfferedPerSecond, double AchievedPerSecond, int Sent, int Errors, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs,
        double SendLagP99Ms, double GcPauseMs, int Gen0Collections);

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
        var lags = new double[total];
        var errors = 0;
        var inFlight = new Task[total];
        var startedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        var interval = Stopwatch.Frequency / (double)rate;

        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

        async Task SendAsync(int index, long due)
        {
            lags[index] = Ms(clock.ElapsedTicks - due);   // the generator's own lateness: part of every latency below
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
            latencies[index] = Ms(clock.ElapsedTicks - due);
        }

        // Pacing on a thread of its own: timer and thread-pool jitter must not delay the schedule. It sleeps until each
        // request is due with the kernel's microsecond timer: spinning instead would take one of the machine's two
        // cores from the server it measures (Thread.Sleep only counts whole milliseconds).
        var pacer = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = (long)(i * interval);
                var microseconds = (due - clock.ElapsedTicks) * 1_000_000 / Stopwatch.Frequency;
                if (microseconds >= 2_000)
                    Thread.Sleep((int)(microseconds / 1000) - 1);   // low rates: usleep takes under a second only
                var rest = (due - clock.ElapsedTicks) * 1_000_000 / Stopwatch.Frequency;
                if (rest > 0)
                    usleep((uint)rest);
                inFlight[i] = SendAsync(i, due);
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        var (pauseBefore, gen0Before) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
        pacer.Start();
        pacer.Join();
        await Task.WhenAll(inFlight);
        var (pause, gen0) = (GC.GetTotalPauseDuration() - pauseBefore, GC.CollectionCount(0) - gen0Before);

        if (Environment.GetEnvironmentVariable(TimelineVariable) is { Length: > 0 } timeline)
        {
            // --diagnose: each measured request's due time (Unix ms, to line up with the server's own samples and the
            // database's log), its latency and the generator's lateness.
            var started = startedUnixMs;
            File.WriteAllLines(timeline, Enumerable.Range(warmUp, total - warmUp).Select(i =>
                FormattableString.Invariant($"{started + i * 1000.0 / rate:F1}\t{latencies[i]:F2}\t{lags[i]:F2}")));
        }

        var measured = latencies[warmUp..];
        var elapsed = (clock.ElapsedTicks - (long)(warmUp * interval)) / (double)Stopwatch.Frequency;
        var measuredLags = lags[warmUp..];
        Array.Sort(measured);
        Array.Sort(measuredLags);
        double At(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        var result = new Result(rate, measured.Length / elapsed, measured.Length, errors, At(measured, 0.50), At(measured, 0.90),
            At(measured, 0.99), At(measured, 0.999), measured[^1], At(measuredLags, 0.99), pause.TotalMilliseconds, gen0);
        Console.WriteLine(JsonSerializer.Serialize(result));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int usleep(uint microseconds);

    /// <summary>Starts this program again as the generator and waits for its figures.</summary>
    public static async Task<Result> RunInChildProcessAsync(string url, string file, int rate, int seconds, string? timeline = null)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(ConstantRateLoad).Assembly.Location);
        foreach (var arg in new[] { "webhook", Flag, url, file, rate.ToString(), seconds.ToString() })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_gcServer"] = "0";   // a client: keep its GC small and off the server's cores
        if (timeline is not null)
            start.Environment[TimelineVariable] = timeline;
        using var child = Process.Start(start)!;
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"load generator exited {child.ExitCode} without figures: {output}");
        return JsonSerializer.Deserialize<Result>(json)!;
    }
}
