using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Bench;

/// <summary>
/// Signed Twilio SMS webhooks for the load generators, written to a file as "signature TAB form-body" lines:
/// every request has its own MessageSid, except that one in ten repeats an earlier one (performance.md §8.3 B5).
/// A repeat comes 2,000-10,000 requests after its original (0.4-2 s at saturation, 2-10 s at 1,000/s): Twilio retries a
/// webhook once the first attempt failed or timed out, never while it is still being answered. (Until 2026-11-28 a
/// repeat came 1-19 requests after its original, still in flight among wrk's 64 connections: every retry then waited
/// on its original's row lock.) Residents: a pool of numbers, texting the mix of keywords and free text seen in the field.
/// </summary>
public static class WebhookRequests
{
    public const string Path = "/webhooks/twilio/sms";
    public const string AuthToken = "bench-auth-token-0123456789";

    private static readonly string[] Bodies =
    [
        "HELP", "帮助", "where is the fever clinic?", "我家老人发烧了怎么办", "JOIN 2", "订阅 1", "STOP 2", "退订 2", "ＨＥＬＰ", "LANG EN",
        "中文", "MYDATA", "thanks", "谢谢", "JOIN 4", "STPO 2",
    ];

    /// <summary>Writes <paramref name="count"/> requests; <paramref name="run"/> keeps MessageSids of different runs apart.</summary>
    public static string Write(string directory, int run, int count, string publicBaseUrl, int residents = 5_000)
    {
        var file = System.IO.Path.Combine(directory, $"requests-{run}.tsv");
        var url = publicBaseUrl.TrimEnd('/') + Path;
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(AuthToken));
        using var writer = new StreamWriter(file, false, new UTF8Encoding(false));
        var random = new Random(42);
        for (var i = 0; i < count; i++)
        {
            var n = i % 10 == 9 && i >= 10_000 ? i - random.Next(2_000, 10_001) : i;   // a retry of an earlier message
            var sid = $"SM{run:x4}{n:x28}";
            var phone = "+86139" + (10_000_000 + random.Next(residents)).ToString(CultureInfo.InvariantCulture);
            var form = Form(sid, phone, Bodies[random.Next(Bodies.Length)]);
            writer.Write(Sign(hmac, url, form));
            writer.Write('\t');
            writer.Write(string.Join('&', form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));
            writer.Write('\n');
        }
        return file;
    }

    /// <summary>What Twilio posts for one SMS (protocols.md §1), in Twilio's order.</summary>
    private static List<KeyValuePair<string, string>> Form(string sid, string from, string body) =>
    [
        new("ToCountry", "US"), new("ToState", "CA"), new("SmsMessageSid", sid), new("NumMedia", "0"), new("ToCity", ""),
        new("FromZip", ""), new("SmsSid", sid), new("FromState", ""), new("SmsStatus", "received"), new("FromCity", ""),
        new("Body", body), new("FromCountry", "CN"), new("To", "+15017122661"), new("MessagingServiceSid", "MG1234567890abcdef1234567890abcdef"),
        new("ToZip", ""), new("NumSegments", "1"), new("MessageSid", sid), new("AccountSid", "AC1234567890abcdef1234567890abcdef"),
        new("From", from), new("ApiVersion", "2010-04-01"),
    ];

    private static string Sign(HMACSHA1 hmac, string url, List<KeyValuePair<string, string>> form)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal))
            data.Append(name).Append(value);
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data.ToString())));
    }
}
