using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>A setting that cannot work; the message names it. Start-up stops with exit code 2.</summary>
public sealed class SettingsException(string message) : Exception(message)
{
    /// <summary>Whether start-up failed because of a setting: invalid, or not even of its type (e.g. a number).
    /// Several options classes failing at once arrive as one AggregateException.</summary>
    public static bool IsBadSetting(Exception e) => e is AggregateException aggregate
        ? aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsBadSetting)
        : e is OptionsValidationException or SettingsException
          || e is InvalidOperationException { Message: var m } && m.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    /// <summary>
    /// Prints what to fix instead of a stack trace, for an operator: one line when one setting is wrong, otherwise
    /// a heading and one line per setting.
    /// </summary>
    public static int Report(Exception e)
    {
        var problems = Problems(e).Distinct().ToList();
        if (problems.Count == 1)
        {
            Console.Error.WriteLine($"The gateway cannot start: {problems[0]}");
            return 2;
        }
        Console.Error.WriteLine("The gateway cannot start; fix these settings (see .env.example):");
        foreach (var problem in problems) Console.Error.WriteLine($"  - {problem}");
        return 2;
    }

    private static IEnumerable<string> Problems(Exception e) => e switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Problems),
        OptionsValidationException options => options.Failures.SelectMany(f => f.Split("; ")),
        _ => [e.Message],
    };
}
