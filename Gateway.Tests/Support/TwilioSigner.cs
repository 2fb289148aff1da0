using System.Security.Cryptography;
using System.Text;

namespace Gateway.Tests.Support;

/// <summary>
/// Signs test requests the way Twilio does (protocols.md §3.1): Base64(HMAC-SHA1(token, url + name+value pairs)),
/// names in ordinal order and, for a name sent more than once, each distinct value in ordinal order (as twilio-node and
/// twilio-python sign them). Written from the algorithm, not with the SDK's validator, and checked against Twilio's
/// published vectors.
/// </summary>
public static class TwilioSigner
{
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var name in parameters.Select(p => p.Key).Distinct().Order(StringComparer.Ordinal))
            foreach (var value in parameters.Where(p => p.Key == name).Select(p => p.Value).Distinct().Order(StringComparer.Ordinal))
                data.Append(name).Append(value);
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(authToken));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data.ToString())));
    }

    /// <summary>A form-encoded POST signed for <paramref name="url"/>, as Twilio would send it.</summary>
    public static HttpRequestMessage SignedPost(string authToken, string publicBaseUrl, string path, IEnumerable<KeyValuePair<string, string>> form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Sign(authToken, publicBaseUrl.TrimEnd('/') + path, form));
        return request;
    }
}
