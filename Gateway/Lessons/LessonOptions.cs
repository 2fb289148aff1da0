using Microsoft.Extensions.Options;

namespace Gateway.Lessons;

public sealed class LessonOptions
{
    /// <summary>City time (TIME_ZONE) in which no scheduled lesson or tip starts, "HH:mm-HH:mm" (e.g. 21:00-08:00).</summary>
    [ConfigurationKeyName("QUIET_HOURS")]
    public string QuietHours { get; set; } = Lessons.QuietHours.Default.ToString();

    /// <summary>The window as read; the validator has refused anything unreadable before this is used.</summary>
    public QuietHours Quiet => Lessons.QuietHours.Parse(QuietHours) ?? Lessons.QuietHours.Default;
}

public sealed class LessonOptionsValidator : IValidateOptions<LessonOptions>
{
    public ValidateOptionsResult Validate(string? name, LessonOptions o) => QuietHours.Parse(o.QuietHours) is null
        ? ValidateOptionsResult.Fail($"QUIET_HOURS: '{o.QuietHours}' must be HH:mm-HH:mm in city time, e.g. 21:00-08:00, leaving at least one whole hour outside it")
        : ValidateOptionsResult.Success;
}
