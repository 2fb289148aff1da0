using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>A setting that cannot work; the message names it. Start-up stops with exit code 2.</summary>
public sealed class SettingsException(string message) : Exception(message)
{
    /// <summary>Whether start-up failed because of a setting: invalid, or not even of its type (e.g. a number).</summary>
    public static bool IsBadSetting(Exception e) => e is OptionsValidationException or SettingsException
        || e is InvalidOperationException { Message: var m } && m.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    /// <summary>Prints every bad setting, one per line, instead of a stack trace: the reader is an operator.</summary>
    public static int Report(Exception e)
    {
        var problems = e switch
        {
            OptionsValidationException options => options.Failures.SelectMany(f => f.Split("; ")),
            _ => [e.Message],
        };
        Console.Error.WriteLine("The gateway cannot start; fix these settings (see .env.example):");
        foreach (var problem in problems) Console.Error.WriteLine($"  - {problem}");
        return 2;
    }
}
