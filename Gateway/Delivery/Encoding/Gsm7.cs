namespace Gateway.Delivery.Encoding;

/// <summary>The GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1) and its extension table: which characters fit in GSM-7 and what they cost.</summary>
public static class Gsm7
{
    // The basic set laid out as in 3GPP TS 23.038 §6.2.1 (protocols.md §7.3): one row per column of the table,
    // i.e. row n holds septets 0xn0..0xnF. ESC (0x1B) is a placeholder here: a raw U+001B in a body is not GSM text.
    // 0x09 is Ç (U+00C7) per the 3GPP glyph and Twilio's calculator; the Unicode GSM0338.TXT file says ç, which we do not follow.
    private static readonly string[] BasicColumns =
    [
        "@£$¥èéùìòÇ\nØø\rÅå",  // 0x00..0x0F
        "Δ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ", // 0x10..0x1F (0x1B = ESC)
        " !\"#¤%&'()*+,-./",     // 0x20..0x2F
        "0123456789:;<=>?",      // 0x30..0x3F
        "¡ABCDEFGHIJKLMNO",      // 0x40..0x4F
        "PQRSTUVWXYZÄÖÑÜ§",      // 0x50..0x5F
        "¿abcdefghijklmno",      // 0x60..0x6F
        "pqrstuvwxyzäöñüà",      // 0x70..0x7F
    ];

    // Reached through ESC (0x1B) + code, so each costs 2 septets (3GPP TS 23.038 §6.2.1.1).
    // FORM FEED, ^ { } \ [ ] ~ | €
    private const string ExtensionSet = "\f^{}\\[]~|€";

    private static readonly HashSet<char> Basic = [.. string.Concat(BasicColumns).Where(c => c != '\u001B')];
    private static readonly HashSet<char> Extension = [.. ExtensionSet];

    /// <summary>Septets <paramref name="c"/> costs in GSM-7: 1 (basic set), 2 (extension table) or 0 (not GSM-7).</summary>
    public static int Septets(char c) => Basic.Contains(c) ? 1 : Extension.Contains(c) ? 2 : 0;

    public static bool IsGsm7(char c) => Septets(c) > 0;

    public static bool IsExtension(char c) => Extension.Contains(c);
}
