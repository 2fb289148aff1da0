using System.Text;
using PhoneNumbers;

namespace Gateway.Phones;

/// <summary>The outcome of reading a phone number at the edge: an E.164 string, or why it is not one.</summary>
public sealed record PhoneNumberResult(string? E164, string? Error)
{
    public bool IsValid => E164 is not null;
}

/// <summary>
/// Reads phone numbers once, where they enter the gateway (webhooks, admin API), and turns them into E.164.
/// Everything past the edge stores and compares E.164 strings only.
/// </summary>
public static class Phone
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <param name="defaultRegion">DEFAULT_REGION: how to read numbers written without a country code.</param>
    public static PhoneNumberResult Normalise(string? input, string defaultRegion)
    {
        if (string.IsNullOrWhiteSpace(input))
            return new(null, "phone number is empty");

        // Chinese input methods produce full-width digits and plus signs (＋８６１３８…); NFKC folds them to ASCII.
        var text = input.Normalize(NormalizationForm.FormKC).Trim();
        if (text.StartsWith("00", StringComparison.Ordinal)) text = "+" + text[2..];
        if (text.Length > 32)
            return new(null, "phone number is too long");

        PhoneNumber parsed;
        try
        {
            parsed = Util.Parse(text, defaultRegion.ToUpperInvariant());
        }
        catch (NumberParseException e)
        {
            return new(null, e.ErrorType switch
            {
                ErrorType.INVALID_COUNTRY_CODE => "phone number has no valid country code",
                ErrorType.TOO_SHORT_NSN or ErrorType.TOO_SHORT_AFTER_IDD => "phone number is too short",
                ErrorType.TOO_LONG => "phone number is too long",
                _ => "not a phone number",
            });
        }

        if (!Util.IsValidNumber(parsed))
        {
            return new(null, Util.IsPossibleNumberWithReason(parsed) switch
            {
                PhoneNumberUtil.ValidationResult.TOO_SHORT => "phone number is too short",
                PhoneNumberUtil.ValidationResult.TOO_LONG => "phone number is too long",
                PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => "phone number has no valid country code",
                _ => $"not a valid number for region {Util.GetRegionCodeForNumber(parsed) ?? defaultRegion}",
            });
        }
        return new(Util.Format(parsed, PhoneNumberFormat.E164), null);
    }

    /// <summary>+8613812345678 → +86138****5678: enough to tell numbers apart in logs, not enough to call them.</summary>
    public static string Mask(string? e164)
    {
        if (string.IsNullOrEmpty(e164)) return "(none)";
        if (e164.Length <= 8) return e164[..Math.Min(3, e164.Length)] + "****";
        return e164[..6] + "****" + e164[^4..];
    }
}
