using System.Diagnostics;

namespace Gateway.Bench.Faults;

/// <summary>
/// One fault of the suite: it sets its processes up on the rig, injects the fault, waits for the gateway to recover,
/// and reports each figure against its target (issue 20, performance.md §8.4). A scenario that cannot reach a figure
/// (it timed out, the gateway never recovered) reports the miss and returns; it never stops the suite.
/// </summary>
public abstract class FaultScenario
{
    /// <summary>Short name, used for --only and for the scenario's database.</summary>
    public abstract string Id { get; }

    public abstract string Title { get; }

    public abstract Task RunAsync(FaultRig rig, FaultReport report);

    /// <summary>Seconds from now until <paramref name="done"/> holds, or null if it did not within <paramref name="timeout"/>.</summary>
    protected static async Task<double?> SecondsUntilAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        return await FaultRig.TryWaitAsync(done, timeout, everyMs: 100) ? clock.Elapsed.TotalSeconds : null;
    }

    protected static string Seconds(double? seconds) => seconds is { } s ? $"{s:F1} s" : "never (timed out)";
}

/// <summary>A scenario's figures, each with its target and whether it was met (null: a figure with no target).</summary>
public sealed class FaultReport
{
    private readonly List<(string Scenario, string Metric, string Value, string Target, bool? Met)> _rows = [];
    private string _scenario = "";

    public void Begin(FaultScenario scenario) => _scenario = scenario.Id;

    public void Add(string metric, string value, string target = "", bool? met = null) => _rows.Add((_scenario, metric, value, target, met));

    public IReadOnlyList<(string Scenario, string Metric, string Value, string Target, bool? Met)> Rows => _rows;
}
