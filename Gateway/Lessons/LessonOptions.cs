using Microsoft.Extensions.Options;

namespace Gateway.Lessons;

/// <summary>Limits on lessons residents ask for. Keys as in .env.example.</summary>
public sealed class LessonOptions
{
    /// <summary>
    /// Most lessons one number may ask for in one city day (NEXT, REPEAT and the USSD menu's "send my next lesson"
    /// together): each is an SMS of up to a few segments, and anyone who knows a number can ask for it. The planner's
    /// daily lesson is not counted.
    /// </summary>
    [ConfigurationKeyName("LESSONS_ASKED_PER_DAY")]
    public int AskedPerDay { get; set; } = 5;
}

public sealed class LessonOptionsValidator : IValidateOptions<LessonOptions>
{
    public ValidateOptionsResult Validate(string? name, LessonOptions o) =>
        o.AskedPerDay is < 1 or > 100
            ? ValidateOptionsResult.Fail($"LESSONS_ASKED_PER_DAY: {o.AskedPerDay} must be between 1 and 100")
            : ValidateOptionsResult.Success;
}
