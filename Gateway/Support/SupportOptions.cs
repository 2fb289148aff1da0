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

    /// <summary>A crisis request nobody claimed within this escalates (SMS to the on-call numbers, red banner), and again
    /// each further interval until claimed.</summary>
    [ConfigurationKeyName("CRISIS_CLAIM_WITHIN")]
    public string CrisisClaimWithinSetting { get; set; } = "00:10:00";

    public TimeSpan CrisisClaimWithin => ReadDuration(CrisisClaimWithinSetting) ?? TimeSpan.Zero;

    /// <summary>Any other request nobody claimed within this shows in the console's banner.</summary>
    [ConfigurationKeyName("SUPPORT_CLAIM_WITHIN")]
    public string SupportClaimWithinSetting { get; set; } = "24:00:00";

    public TimeSpan SupportClaimWithin => ReadDuration(SupportClaimWithinSetting) ?? TimeSpan.Zero;

    /// <summary>"hh:mm:ss" with any number of hours ("24:00:00", "72:00:00"), or .NET's "d.hh:mm:ss"; null if neither.</summary>
    public static TimeSpan? ReadDuration(string? text)
    {
        var parts = (text ?? "").Trim().Split(':');
        if (parts.Length == 3 && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var h)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) && m < 60
            && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sec) && sec < 60)
            return new TimeSpan(h, m, sec);
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    /// <summary>Comma-separated E.164 numbers told by SMS when a crisis request waits too long. Empty: the banner only.</summary>
    [ConfigurationKeyName("COUNSELLOR_ONCALL_PHONES")]
    public string CounsellorOncallPhones { get; set; } = "";

    /// <summary>The on-call numbers, one each, as configured (validated to be E.164 at start-up).</summary>
    public IReadOnlyList<string> OncallPhones =>
        CounsellorOncallPhones.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
}

public sealed partial class SupportOptionsValidator : IValidateOptions<SupportOptions>
{
    public ValidateOptionsResult Validate(string? name, SupportOptions o)
    {
        var hotlines = o.CrisisHotlines;
        if (hotlines.Count(char.IsAsciiDigit) < 3)
            return ValidateOptionsResult.Fail($"CRISIS_HOTLINES: '{hotlines}' has no phone number in it (e.g. 12356 (心理援助热线))");
        if (hotlines.Length > SupportOptions.MaxHotlinesLength)
            return ValidateOptionsResult.Fail($"CRISIS_HOTLINES: {hotlines.Length} characters; at most {SupportOptions.MaxHotlinesLength}, it goes into an SMS");
        var errors = new List<string>();
        if (SupportOptions.ReadDuration(o.CrisisClaimWithinSetting) is not { } crisis || crisis < TimeSpan.FromMinutes(1) || crisis > TimeSpan.FromHours(24))
            errors.Add($"CRISIS_CLAIM_WITHIN: '{o.CrisisClaimWithinSetting}' must be a duration (hh:mm:ss) between 00:01:00 and 24:00:00");
        if (SupportOptions.ReadDuration(o.SupportClaimWithinSetting) is not { } support || support < TimeSpan.FromMinutes(1) || support > TimeSpan.FromDays(7))
            errors.Add($"SUPPORT_CLAIM_WITHIN: '{o.SupportClaimWithinSetting}' must be a duration (hh:mm:ss) between 00:01:00 and 168:00:00");
        foreach (var phone in o.OncallPhones.Where(p => !E164().IsMatch(p)))
            errors.Add($"COUNSELLOR_ONCALL_PHONES: '{Phones.Phone.Mask(phone)}' is not an E.164 number (+ and country code, e.g. +8613800138000)");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial System.Text.RegularExpressions.Regex E164();
}
