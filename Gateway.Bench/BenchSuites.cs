namespace Gateway.Bench;

public sealed record BenchSuite(string Description, Func<string[], Task> RunAsync);

/// <summary>The benchmark suites, by name. Each lives in its own file next to this one.</summary>
public static class BenchSuites
{
    public static readonly IReadOnlyDictionary<string, BenchSuite> All = new SortedDictionary<string, BenchSuite>
    {
        ["ussd"] = UssdBench.Suite,
        ["webhook"] = WebhookSuite.Suite,
        ["dispatch"] = DispatchSuite.Suite,
        ["dispatch-kannel"] = KannelDispatchSuite.Suite,
        ["lessons"] = LessonsSuite.Suite,
        ["fanout"] = FanoutSuite.Suite,
        ["faults"] = Faults.FaultSuite.Suite,
        ["console"] = ConsoleSuite.Suite,
        ["import"] = ImportSuite.Suite,
    };
}
