using System.Globalization;

namespace Gateway.Bench;

/// <summary>
/// CPU seconds spent by this process and by a PostgreSQL cluster (the postmaster, its live backends, and the
/// backends that already exited), from /proc. CPU per 1,000 requests is steadier than requests/s on a shared
/// 2-core machine (performance.md §8.1).
/// </summary>
public static class CpuTime
{
    private static readonly double TicksPerSecond = 100;   // USER_HZ on Linux

    public sealed record Sample(double Process, double Postgres)
    {
        public double Total => Process + Postgres;

        public static Sample operator -(Sample end, Sample start) => new(end.Process - start.Process, end.Postgres - start.Postgres);
    }

    public static Sample Now(string postgresDataDirectory)
    {
        var self = Fields(Environment.ProcessId)!;
        var postmaster = int.Parse(File.ReadLines(Path.Combine(postgresDataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var pg = Fields(postmaster) is { } p ? Seconds(p, 13) + Seconds(p, 14) + Seconds(p, 15) + Seconds(p, 16) : 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Fields(pid) is not { } f || f[3] != postmaster.ToString(CultureInfo.InvariantCulture))
                continue;
            pg += Seconds(f, 13) + Seconds(f, 14);
        }
        return new Sample(Seconds(self, 13) + Seconds(self, 14), pg);
    }

    /// <summary>CPU seconds the hypervisor gave to other machines while this one wanted them (steal, /proc/stat), all cores.</summary>
    public static double Stolen()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return cpu.Length > 8 ? double.Parse(cpu[8], CultureInfo.InvariantCulture) / TicksPerSecond : 0;
    }

    // /proc/<pid>/stat fields after the command name: [0]=state [1]=ppid … utime=13, stime=14, cutime=15, cstime=16 (0-based from pid).
    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ["", "", .. afterName];   // re-align so that index 3 = ppid, 13 = utime, as in proc(5) numbering minus one
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double Seconds(string[] fields, int index) => double.Parse(fields[index], CultureInfo.InvariantCulture) / TicksPerSecond;
}
