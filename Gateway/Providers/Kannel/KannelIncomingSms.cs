using System.Globalization;
using System.Text;
using System.Web;

namespace Gateway.Providers.Kannel;

/// <summary>
/// A resident's SMS as Kannel's smsbox hands it over: the sms-service get-url operators copy into kannel.conf,
/// <code>
/// PUBLIC_BASE_URL/webhooks/kannel/sms?token=&lt;KANNEL_CALLBACK_TOKEN&gt;&amp;from=%p&amp;to=%P&amp;text=%a&amp;ts=%T&amp;id=%I&amp;coding=%c&amp;charset=%C
/// </code>
/// With mo-recode = true every text arrives as UTF-8 (coding=0&amp;charset=UTF-8); without it a UCS-2 message arrives as
/// its raw UTF-16BE bytes, URL-encoded (coding=2&amp;charset=UTF-16BE). So the text is decoded from the raw query
/// string's bytes, never from ASP.NET's query collection, which would already have read them as UTF-8.
/// </summary>
/// <param name="KannelId">Kannel's id for this MO (%I, a UUID): the key that makes a repeated request harmless.</param>
/// <param name="SentAt">When the SMSC received it (%T), if Kannel said.</param>
public sealed record KannelIncomingSms(string From, string To, string Text, string KannelId, DateTimeOffset? SentAt)
{
    public const string Path = "/webhooks/kannel/sms";

    private const int MaxIdLength = 64;
    private const int MaxNumberLength = 32;

    /// <summary>Reads one request's raw query string (with or without its leading '?').</summary>
    /// <param name="expectedToken">KANNEL_CALLBACK_TOKEN; without it every request is refused.</param>
    public static KannelMoRequest Parse(string? rawQuery, string? expectedToken)
    {
        var fields = Fields(rawQuery ?? "");
        string Text(string name) => fields.TryGetValue(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "";

        if (KannelCallbackToken.Check(Text(KannelCallbackToken.QueryParameter), expectedToken) is { } refusal)
            return new KannelMoRequest.Refused(refusal);

        var from = Text("from");
        var to = Text("to");
        var id = Text("id");
        if (from.Length is 0 or > MaxNumberLength) return new KannelMoRequest.Invalid($"from: the sender (%p) is required, at most {MaxNumberLength} characters");
        if (to.Length is 0 or > MaxNumberLength) return new KannelMoRequest.Invalid($"to: the receiver (%P) is required, at most {MaxNumberLength} characters");
        if (id.Length is 0 or > MaxIdLength) return new KannelMoRequest.Invalid($"id: Kannel's message id (%I) is required, at most {MaxIdLength} characters");

        var charset = Text("charset");
        if (CharsetOf(charset) is not { } encoding)
            return new KannelMoRequest.Invalid($"charset: '{charset}' is not one Kannel sends (UTF-8, UTF-16BE, WINDOWS-1252, 8-BIT, ISO-8859-1)");
        var text = fields.TryGetValue("text", out var raw) ? encoding.GetString(raw) : "";

        DateTimeOffset? sentAt = null;
        var ts = Text("ts");
        if (ts.Length > 0)
        {
            if (!long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253_402_300_799)
                return new KannelMoRequest.Invalid($"ts: '{ts}' must be Unix time in seconds (%T)");
            sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        return new KannelMoRequest.Parsed(new KannelIncomingSms(from, to, text, id, sentAt));
    }

    // The first value of each name, as bytes: '+' is a space and %XX a byte, as Kannel encodes them.
    private static Dictionary<string, byte[]> Fields(string rawQuery)
    {
        var fields = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var pair in rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = HttpUtility.UrlDecode(equals < 0 ? pair : pair[..equals], Encoding.UTF8);
            var value = equals < 0 ? [] : HttpUtility.UrlDecodeToBytes(pair[(equals + 1)..], Encoding.ASCII);
            fields.TryAdd(name, value);
        }
        return fields;
    }

    // %C: UTF-8 for coding 0 (the user guide says "GSM"; 1.4.5 sends UTF-8), 8-BIT for coding 1, UTF-16BE for coding 2;
    // mo-recode may also turn UCS-2 into WINDOWS-1252 (user guide). Bytes that are not valid in the charset become
    // U+FFFD rather than refusing the message: Kannel would not send it again.
    private static Encoding? CharsetOf(string charset) => charset.ToUpperInvariant() switch
    {
        "" or "UTF-8" or "UTF8" or "GSM" => Encoding.UTF8,
        "UTF-16BE" or "UCS-2" or "UCS-2BE" => Encoding.BigEndianUnicode,
        "WINDOWS-1252" or "CP1252" => CodePagesEncodingProvider.Instance.GetEncoding(1252),
        "8-BIT" or "ISO-8859-1" or "LATIN1" => Encoding.Latin1,
        _ => null,
    };
}
