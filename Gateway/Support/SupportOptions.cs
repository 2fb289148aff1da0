using Microsoft.Extensions.Options;

namespace Gateway.Support;

public sealed class SupportOptions
{
    public const string DefaultCrisisHotlines =
        "12356 (心理援助热线 national psychological assistance hotline); 400-161-9995 (希望24热线 Hope 24 hotline)";

    private string? _crisisHotlines;

    /// <summary>The numbers every crisis reply gives, sent as written in both languages: keep both names in the text.
    /// Empty (as in .env.example) means the default.</summary>
    [ConfigurationKeyName("CRISIS_HOTLINES")]
    public string CrisisHotlines
    {
        get => string.IsNullOrWhiteSpace(_crisisHotlines) ? DefaultCrisisHotlines : _crisisHotlines.Trim();
        set => _crisisHotlines = value;
    }

    /// <summary>Longest setting we accept: the crisis reply must stay a short SMS (a few segments).</summary>
    public const int MaxHotlinesLength = 200;
}

public sealed class SupportOptionsValidator : IValidateOptions<SupportOptions>
{
    public ValidateOptionsResult Validate(string? name, SupportOptions o)
    {
        var hotlines = o.CrisisHotlines;
        if (hotlines.Count(char.IsAsciiDigit) < 3)
            return ValidateOptionsResult.Fail($"CRISIS_HOTLINES: '{hotlines}' has no phone number in it (e.g. 12356 (心理援助热线))");
        if (hotlines.Length > SupportOptions.MaxHotlinesLength)
            return ValidateOptionsResult.Fail($"CRISIS_HOTLINES: {hotlines.Length} characters; at most {SupportOptions.MaxHotlinesLength}, it goes into an SMS");
        return ValidateOptionsResult.Success;
    }
}
