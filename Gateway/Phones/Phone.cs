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

    /// <summary>A number a person typed (admin API, simulator, settings), and every number we send to: it must be a
    /// valid number of its country (libphonenumber's metadata), so a typo is caught before it costs a message.</summary>
    /// <param name="defaultRegion">DEFAULT_REGION: how to read numbers written without a country code.</param>
    public static PhoneNumberResult Normalise(string? input, string defaultRegion) => Read(input, defaultRegion, sender: false);

    /// <summary>
    /// The number a provider says a message or session came from: the network delivered it, so it only has to be
    /// possible for its country (length and shape). Numbers libphonenumber does not call valid (a new range, an
    /// aggregator's test numbers such as Africa's Talking's +254000000001) are still a resident's. Aggregators that
    /// write international numbers without the '+' (256772000001) are read as international unless the digits are a
    /// valid number of DEFAULT_REGION.
    /// </summary>
    public static PhoneNumberResult NormaliseSender(string? input, string defaultRegion) => Read(input, defaultRegion, sender: true);

    private static PhoneNumberResult Read(string? input, string defaultRegion, bool sender)
    {
        if (string.IsNullOrWhiteSpace(input))
            return new(null, "phone number is empty");

        // string.Normalize throws on what is not text (U+FFFE, U+FFFF, half a surrogate pair); no number has those, nor
        // control characters.
        if (input.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF'))
            return new(null, "not a phone number");
        // Chinese input methods produce full-width digits and plus signs (＋８６１３８…); NFKC folds them to ASCII.
        var text = input.Normalize(NormalizationForm.FormKC).Trim();
        if (text.StartsWith("00", StringComparison.Ordinal)) text = "+" + text[2..];
        if (text.Length > 32)
            return new(null, "phone number is too long");

        PhoneNumber parsed;
        try
        {
            parsed = Util.Parse(text, defaultRegion.ToUpperInvariant());
            if (sender && !text.StartsWith('+') && !Util.IsValidNumber(parsed) && Digits(text) is { Length: > 0 } digits
                && TryParse("+" + digits) is { } international && Util.IsPossibleNumber(international))
                (parsed, text) = (international, "+" + digits);
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

        if (sender ? !Util.IsPossibleNumber(parsed) : !Util.IsValidNumber(parsed))
        {
            return new(null, Util.IsPossibleNumberWithReason(parsed) switch
            {
                PhoneNumberUtil.ValidationResult.TOO_SHORT => "phone number is too short",
                PhoneNumberUtil.ValidationResult.TOO_LONG => "phone number is too long",
                PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => "phone number has no valid country code",
                _ => $"not a valid number for region {Util.GetRegionCodeForNumber(parsed) ?? defaultRegion}",
            });
        }
        // A number libphonenumber does not know may lose digits in its formatting (leading zeros it reads as a trunk
        // prefix): a sender's international number is kept digit for digit as the network gave it.
        if (sender && !Util.IsValidNumber(parsed) && text.StartsWith('+'))
            return new("+" + new string(text.Where(char.IsAsciiDigit).ToArray()), null);
        return new(Util.Format(parsed, PhoneNumberFormat.E164), null);
    }

    private static string? Digits(string text)
    {
        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        return digits.Length > 0 && digits[0] != '0' && text.All(c => char.IsAsciiDigit(c) || c is ' ' or '-') ? digits : null;
    }

    private static PhoneNumber? TryParse(string e164)
    {
        try { return Util.Parse(e164, null); }
        catch (NumberParseException) { return null; }
    }

    /// <summary>+8613812345678 → +86138****5678: enough to tell numbers apart in logs, not enough to call them.</summary>
    public static string Mask(string? e164)
    {
        if (string.IsNullOrEmpty(e164)) return "(none)";
        if (e164.Length <= 8) return e164[..Math.Min(3, e164.Length)] + "****";
        return e164[..6] + "****" + e164[^4..];
    }
}
