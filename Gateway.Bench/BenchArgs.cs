using System.Globalization;

namespace Gateway.Bench;

/// <summary>What every suite shares: reading its --options, and starting a phase without the last one's garbage.</summary>
public static class BenchArgs
{
    /// <summary>The whole number after <paramref name="name"/> (e.g. --messages 50000), or <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    /// <summary>Each phase starts without the previous phase's garbage: a full collection inside a measurement is noise.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
