using System.Diagnostics;

namespace Gateway.Bench;

/// <summary>
/// An 8-kB write and fdatasync on the database's disk every 20 ms while a measurement runs: on these shared machines
/// the disk now and then stalls every fsync for 100-300 ms (webhook --diagnose), and every durable commit waits with
/// it. Reported beside a latency figure, it tells a slow run of the code from a stalled disk.
/// </summary>
public sealed class DiskProbe : IDisposable
{
    private readonly List<(double UnixMs, double Ms)> _syncs = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public DiskProbe(string directory)
    {
        var path = Path.Combine(directory, $"fsync-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _thread = new Thread(() => Run(path)) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>Each probe: when it ended (Unix ms) and how long the write and fdatasync took.</summary>
    public IReadOnlyList<(double UnixMs, double Ms)> Stop()
    {
        _stop.Cancel();
        _thread.Join();
        return _syncs;
    }

    /// <summary>"slowest 142 ms, 3 over 20 ms".</summary>
    public static string Summary(IReadOnlyList<(double UnixMs, double Ms)> syncs) => syncs.Count == 0 ? "no probe" :
        $"slowest {syncs.Max(s => s.Ms):F0} ms, {syncs.Count(s => s.Ms > 20)} of {syncs.Count} over 20 ms";

    private void Run(string path)
    {
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            var block = new byte[8192];
            var clock = new Stopwatch();
            while (!_stop.IsCancellationRequested)
            {
                file.Position = 0;
                clock.Restart();
                file.Write(block);
                file.Flush(flushToDisk: true);
                _syncs.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), clock.Elapsed.TotalMilliseconds));
                Thread.Sleep(20);
            }
        }
        File.Delete(path);
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested) Stop();
        _stop.Dispose();
    }
}
