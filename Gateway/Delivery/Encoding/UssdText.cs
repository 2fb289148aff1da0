namespace Gateway.Delivery.Encoding;

/// <summary>Length rules for USSD screens sent as GSM-7: a USSD string is at most 160 octets (3GPP TS 24.080 / MAP),
/// i.e. 182 packed septets.</summary>
public static class UssdText
{
    /// <summary>Septets one USSD screen can carry.</summary>
    public const int MaxLength = 182;

    /// <summary>GSM-7 septets in <paramref name="screen"/>; extension characters (^ { } \ [ ] ~ | € FF) count 2.
    /// Throws for text that is not GSM-7: check <see cref="IsGsm7"/> (or run <see cref="SmartEncoding.Apply"/>) first.</summary>
    public static int Length(string screen)
    {
        ArgumentNullException.ThrowIfNull(screen);
        var length = 0;
        foreach (var c in screen)
        {
            var septets = Gsm7.Septets(c);
            if (septets == 0)
                throw new ArgumentException($"USSD text must be GSM-7; U+{(int)c:X4} is not.", nameof(screen));
            length += septets;
        }
        return length;
    }

    public static bool IsGsm7(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.All(Gsm7.IsGsm7);
    }
}
