using System.Diagnostics;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>Prints one suite's figures as a markdown table and keeps them as JSON in bench-results/ (git-ignored).</summary>
public sealed class BenchReport(string suite)
{
    private readonly List<(string Metric, string Value, string Note)> _rows = [];

    public void Add(string metric, string value, string note = "") => _rows.Add((metric, value, note));

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"## {suite}  ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, git {GitSha()})");
        Console.WriteLine();
        Console.WriteLine("| metric | value | note |");
        Console.WriteLine("|---|---|---|");
        foreach (var (metric, value, note) in _rows) Console.WriteLine($"| {metric} | {value} | {note} |");

        Directory.CreateDirectory("bench-results");
        var file = Path.Combine("bench-results", $"{suite}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(file, JsonSerializer.Serialize(_rows.Select(r => new { r.Metric, r.Value, r.Note }), new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\n(saved to {file})");
    }

    private static string GitSha()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return sha.Length > 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
