using System.Diagnostics;
using System.Globalization;

namespace Gateway.Bench;

/// <summary>
/// webhook --diagnose: where the slow requests at a fixed rate come from. Runs the open-loop generator with a timeline
/// of every request, samples this process (which hosts the gateway) every few milliseconds for garbage collections,
/// thread-pool backlog and its own late wake-ups (the whole process stalled), and reads the database's log (checkpoints,
/// autovacuum, statements over 20 ms, lock waits). Then lists each episode of slow requests with what happened around it.
/// A run to find causes, not a figure to compare.
/// </summary>
public static class WebhookDiagnosis
{
    public const string Flag = "--diagnose";

    /// <summary>Server settings for the database's log to say what it did and when.</summary>
    public static readonly IReadOnlyDictionary<string, string> ServerSettings = new Dictionary<string, string>
    {
        ["log_checkpoints"] = "on",
        ["log_autovacuum_min_duration"] = "0",
        ["log_min_duration_statement"] = "20",
        ["log_lock_waits"] = "on",
        ["deadlock_timeout"] = "10ms",
        ["log_line_prefix"] = "%m [%p] ",
    };

    private const double SlowMs = 15;

    private sealed record Sample(double UnixMs, double WakeLateMs, int Gen0, int Gen1, int Gen2, double PauseMs, long Pending, int Threads, long Contention);

    public static async Task RunAsync(string url, Func<int, int, string> requests, int rate, int seconds, string dataDirectory, string directory,
        IReadOnlyList<(string Name, string Url)> baselines)
    {
        // What the framework alone allocates per request, against which the webhook's allocations are seen.
        foreach (var (name, baselineUrl) in baselines.Append(("webhook", url)))
        {
            var before = GC.GetTotalAllocatedBytes();
            var run = await ConstantRateLoad.RunInChildProcessAsync(baselineUrl, requests(30 + name.Length, rate * 6), rate, 5);
            Console.WriteLine($"{name}: {(GC.GetTotalAllocatedBytes() - before) / (rate * 6.0) / 1024:F1} KiB allocated per request (p99 {run.P99Ms:F1} ms)");
        }
        for (var run = 0; run < 2; run++)
        {
            var file = requests(20 + run, rate * (seconds + 1));
            var timeline = Path.Combine(directory, $"timeline-{run}.tsv");
            var samples = new List<Sample>();
            var collections = new List<GCMemoryInfo>();
            using var stop = new CancellationTokenSource();
            var sampler = new Thread(() => Sampling(samples, collections, stop.Token)) { IsBackground = true, Priority = ThreadPriority.Highest };
            sampler.Start();
            using var disk = new DiskProbe(Path.Combine(dataDirectory, ".."));
            var stolenBefore = CpuTime.Stolen();
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var gcsBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            using var allocations = new AllocationSampler();
            var result = await ConstantRateLoad.RunInChildProcessAsync(url, file, rate, seconds, timeline);
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            stop.Cancel();
            sampler.Join();
            var syncs = disk.Stop();
            Console.WriteLine();
            Console.WriteLine($"== run {run + 1}: {rate}/s for {seconds} s: p50 {result.P50Ms:F2}, p90 {result.P90Ms:F2}, p99 {result.P99Ms:F2}, max {result.MaxMs:F2} ms; " +
                              $"generator send lag p99 {result.SendLagP99Ms:F2} ms; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; CPU stolen by the host {CpuTime.Stolen() - stolenBefore:F2} s");
            Console.WriteLine($"gateway process: {allocated / (rate * (seconds + 1.0)) / 1024:F1} KiB allocated per request; GCs gen0/1/2 " +
                              $"{GC.CollectionCount(0) - gcsBefore.Item1}/{GC.CollectionCount(1) - gcsBefore.Item2}/{GC.CollectionCount(2) - gcsBefore.Item3}; " +
                              "most allocated types (sampled every ~100 KiB): " + allocations.Top(20));
            Report(timeline, samples, syncs, Path.Combine(dataDirectory, "server.log"));
            // What made each pause long: a gen0 pause grows with what survives it (promoted) and the heaps it covers.
            Console.WriteLine("-- each collection: " + string.Join(", ", collections.Select(c =>
                $"gen{c.Generation} {c.PauseDurations[0].TotalMilliseconds:F1} ms, promoted {c.PromotedBytes / 1024} KiB, " +
                $"gen0 before {c.GenerationInfo[0].SizeBeforeBytes / 1048576} MiB{(c.Compacted ? ", compacted" : "")}{(c.Concurrent ? ", background" : "")}")));
        }
    }

    private static void Sampling(List<Sample> samples, List<GCMemoryInfo> collections, CancellationToken stop)
    {
        var lastIndex = GC.GetGCMemoryInfo(GCKind.Any).Index;
        var lastCount = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        var last = clock.Elapsed.TotalMilliseconds;
        while (!stop.IsCancellationRequested)
        {
            Thread.Sleep(2);
            var now = clock.Elapsed.TotalMilliseconds;
            samples.Add(new Sample(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), now - last - 2, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
                GC.GetTotalPauseDuration().TotalMilliseconds, ThreadPool.PendingWorkItemCount, ThreadPool.ThreadCount, Monitor.LockContentionCount));
            // Asked only after a collection (every collection counts as a gen0 one): each answer is a new object, and
            // asking every 2 ms would add garbage to the process being watched.
            if (samples[^1].Gen0 != lastCount && GC.GetGCMemoryInfo(GCKind.Any) is var latest && latest.Index != lastIndex)
            {
                collections.Add(latest);
                lastIndex = latest.Index;
            }
            lastCount = samples[^1].Gen0;
            last = now;
        }
    }

    private static void Report(string timelineFile, List<Sample> samples, IReadOnlyList<(double UnixMs, double Ms)> syncs, string serverLog)
    {
        var timeline = File.ReadAllLines(timelineFile).Select(l => l.Split('\t'))
            .Select(p => (Due: double.Parse(p[0], CultureInfo.InvariantCulture), Latency: double.Parse(p[1], CultureInfo.InvariantCulture), Lag: double.Parse(p[2], CultureInfo.InvariantCulture)))
            .ToList();
        var slow = timeline.Where(t => t.Latency > SlowMs).ToList();
        Console.WriteLine($"{slow.Count} of {timeline.Count} requests over {SlowMs} ms");
        // Episodes: slow requests whose due times are within 100 ms of each other.
        var episodes = new List<List<(double Due, double Latency, double Lag)>>();
        foreach (var s in slow)
        {
            if (episodes.Count == 0 || s.Due - episodes[^1][^1].Due > 100) episodes.Add([]);
            episodes[^1].Add(s);
        }
        var start = timeline[0].Due;
        string At(double unixMs) => $"{(unixMs - start) / 1000:F3}s";
        var log = File.Exists(serverLog) ? File.ReadAllLines(serverLog).Select(ParseLogLine).Where(l => l.UnixMs is not null).ToList() : [];

        foreach (var e in episodes)
        {
            var (from, to) = (e[0].Due, e[^1].Due + e.Max(x => x.Latency));
            Console.WriteLine($"-- episode at {At(from)}..{At(to)}: {e.Count} slow, max {e.Max(x => x.Latency):F1} ms, generator lag max {e.Max(x => x.Lag):F1} ms");
            var around = samples.Where(s => s.UnixMs >= from - 300 && s.UnixMs <= to + 50).ToList();
            if (around.Count > 1)
            {
                var first = around[0];
                var lastSample = around[^1];
                Console.WriteLine($"   gateway process: GCs gen0 +{lastSample.Gen0 - first.Gen0}, gen1 +{lastSample.Gen1 - first.Gen1}, gen2 +{lastSample.Gen2 - first.Gen2}, " +
                                  $"pause +{lastSample.PauseMs - first.PauseMs:F1} ms; sampler woke late at most {around.Max(s => s.WakeLateMs):F1} ms " +
                                  $"(at {At(around.MaxBy(s => s.WakeLateMs)!.UnixMs)}); pool backlog max {around.Max(s => s.Pending)}, threads {first.Threads}->{around.Max(s => s.Threads)}, " +
                                  $"lock contentions +{lastSample.Contention - first.Contention}");
            }
            var probes = syncs.Where(p => p.UnixMs >= from - 300 && p.UnixMs <= to + 50).ToList();
            if (probes.Count > 0)
                Console.WriteLine($"   disk: {probes.Count} fdatasync probes, slowest {probes.Max(p => p.Ms):F1} ms at {At(probes.MaxBy(p => p.Ms).UnixMs)}");
            foreach (var line in log.Where(l => l.UnixMs >= from - 1000 && l.UnixMs <= to + 200))
                Console.WriteLine($"   pg {At(line.UnixMs!.Value)}: {line.Text}");
        }
        Console.WriteLine("-- the database's log during the run:");
        foreach (var line in log.Where(l => l.UnixMs >= start - 2000 && l.UnixMs <= timeline[^1].Due + 1000))
            Console.WriteLine($"   pg {At(line.UnixMs!.Value)}: {line.Text}");
        var gcs = samples.Zip(samples.Skip(1)).Where(p => p.Second.PauseMs - p.First.PauseMs > 5)
            .Select(p => $"{At(p.Second.UnixMs)} +{p.Second.PauseMs - p.First.PauseMs:F1} ms (gen {(p.Second.Gen2 > p.First.Gen2 ? 2 : p.Second.Gen1 > p.First.Gen1 ? 1 : 0)})");
        Console.WriteLine($"-- GC pauses over 5 ms in the gateway process: {string.Join(", ", gcs)}");
        var sorted = syncs.Select(p => p.Ms).Order().ToList();
        if (sorted.Count > 0)
            Console.WriteLine($"-- disk probes: {sorted.Count}, p50 {sorted[sorted.Count / 2]:F1} ms, p99 {sorted[(int)(sorted.Count * 0.99)]:F1} ms; over 20 ms: " +
                              string.Join(", ", syncs.Where(p => p.Ms > 20).Select(p => $"{At(p.UnixMs - p.Ms)} {p.Ms:F0} ms")));
        var stalls = samples.Where(s => s.WakeLateMs > 10).Select(s => $"{At(s.UnixMs)} {s.WakeLateMs:F0} ms");
        Console.WriteLine($"-- sampler woke over 10 ms late: {string.Join(", ", stalls)}");
    }

    private static (double? UnixMs, string Text) ParseLogLine(string line)
    {
        // log_line_prefix '%m [%p] ': "2026-12-03 12:01:02.123 UTC [1234] LOG:  …"
        if (line.Length > 27 && DateTimeOffset.TryParseExact(line[..23], "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var at))
            return (at.ToUnixTimeMilliseconds(), line[24..].Length > 220 ? line[24..][..220] : line[24..]);
        return (null, line);
    }

    /// <summary>The runtime's allocation ticks (one event per ~100 KiB allocated, naming the type that crossed it): a
    /// sampling allocation profile of the gateway process.</summary>
    private sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new();

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);   // GC
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
            var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
            var amount = e.PayloadNames!.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture) : 100_000;
            _bytes.AddOrUpdate(type, amount, (_, n) => n + amount);
        }

        public string Top(int count)
        {
            var total = Math.Max(1, _bytes.Values.Sum());
            return string.Join("; ", _bytes.OrderByDescending(p => p.Value).Take(count).Select(p => $"{p.Key} {100.0 * p.Value / total:F0}%"));
        }
    }
}
