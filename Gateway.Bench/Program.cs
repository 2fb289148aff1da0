namespace Gateway.Bench;

// dotnet run -c Release --project Gateway.Bench -- <suite> [options]
// Every suite measures the gateway and, in the same run, a baseline doing the same work another way,
// and reports figures as ratios to it: these machines are noisy, ratios within one run are not.
// A class of its own, not top-level statements: the gateway's Program (hosted by the webhook suite) is Program.
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var suites = BenchSuites.All;
        if (args.Length == 0 || !suites.TryGetValue(args[0], out var suite))
        {
            Console.Error.WriteLine("usage: dotnet run -c Release --project Gateway.Bench -- <suite> [options]");
            foreach (var (name, s) in suites) Console.Error.WriteLine($"  {name,-12} {s.Description}");
            return 2;
        }
        await suite.RunAsync(args[1..]);
        // A suite that missed a target says so in its exit code (the fault suite does).
        return Environment.ExitCode;
    }
}
