using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Hostile requests to every mapped route (read from the app's EndpointDataSource, so a new route is fuzzed without
/// anyone listing it), over a real Kestrel socket: none may get a 5xx. Bodies carry NULs, U+FFFE/U+FFFF, lone
/// surrogates, invalid UTF-8, malformed and oversized multipart and JSON, over 1,024 fields, keys over 2,048
/// characters, unknown charsets, no content type, chunked bodies over the limit; some are unauthenticated, some carry
/// the admin token, a staff sign-in with its antiforgery token, a valid Twilio signature or the USSD callback token, so
/// hostile values get past the doors. A 413 must close the connection; a TwiML answer must be well-formed XML.
/// Deterministic: request i is made from Random(Seed, i) whatever order they run in. FUZZ_REQUESTS sets the count.
/// </summary>
public sealed partial class FuzzTests(FuzzTests.App app, ITestOutputHelper output) : IClassFixture<FuzzTests.App>
{
    public const int Seed = 20_2026;
    public const int DefaultRequests = 3_000;

    public sealed class App : GatewayApp
    {
        public readonly int Port = GatewayProcess.FreePort();

        public App() => UseKestrel(k => k.Listen(IPAddress.Loopback, Port));

        public string BaseUrl => $"http://127.0.0.1:{Port}";

        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["TWILIO_AUTH_TOKEN"] = TwilioSms.AuthToken;
            settings["PUBLIC_BASE_URL"] = BaseUrl;
            // Production pools and prepares statements: a statement that fails at Bind on a pooled connection is what
            // turned bad input into a 500 on a later, innocent request (docs/inbound.md "Storable text").
            settings["DATABASE_URL"] += ";Pooling=true;Maximum Pool Size=6";
        }
    }

    private const string StaffName = "fuzzadmin";

    [Fact]
    public async Task EveryRoute_AnswersHostileRequests_WithoutA5xx()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_REQUESTS"), out var n) && n > 0 ? n : DefaultRequests;
        var routes = Routes();
        Assert.Contains(routes, r => r.Template == TwilioSms.Path);
        Assert.Contains(routes, r => r.Template == "/webhooks/ussd/africastalking");
        Assert.Contains(routes, r => r.Template == "/api/broadcasts");

        await StaffFixtures.AddAsync(app, StaffName, ["admin"]);
        using var anonymous = NewClient(cookies: null);
        var cookies = new CookieContainer();
        using var staff = NewClient(cookies);
        var antiforgery = await SignInAsync(staff);

        var failures = new List<string>();
        var statuses = new int[600];
        var watch = Stopwatch.StartNew();
        var trace = Environment.GetEnvironmentVariable("FUZZ_TRACE") == "1";
        // FUZZ_ONLY=n sends request n alone, to look at one failure again.
        var only = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ONLY"), out var o) ? o : (int?)null;
        await Parallel.ForEachAsync(only is { } one ? [one] : Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_PARALLEL"), out var p) && p > 0 ? p : 4 }, async (i, ct) =>
        {
            var made = Make(i, routes, antiforgery);
            using var request = made.Request;
            string? problem;
            int status;
            try
            {
                using var response = await (made.AsStaff ? staff : anonymous).SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                status = (int)response.StatusCode;
                problem = await CheckAsync(made, response);
            }
            catch (HttpRequestException e) when (!KestrelRefuses(made.Request.RequestUri!))
            {
                status = 599;
                problem = $"no answer: {e.Message} {e.InnerException?.Message}";
            }
            catch (HttpRequestException)
            {
                // Kestrel refused the request line and closed while the body was still being sent.
                status = 598;
                problem = null;
            }
            Interlocked.Increment(ref statuses[status]);
            if (trace) lock (failures) output.WriteLine($"trace #{i} {status} {(made.AsStaff ? "staff" : "anon")} {made.Description}");
            if (problem is not null)
                lock (failures) failures.Add($"#{i}: {problem} ({made.Description})");
        });
        watch.Stop();

        var summary = string.Join(", ", statuses.Select((c, s) => (c, s)).Where(x => x.c > 0).Select(x => $"{x.s}: {x.c}"));
        output.WriteLine($"{count} requests over {routes.Count} routes in {watch.Elapsed.TotalSeconds:F1} s; statuses {summary}");
        var fivexx = statuses.Skip(500).Take(98).Sum() - statuses[505];
        output.WriteLine($"5xx: {fivexx}");
        foreach (var f in failures.Take(40)) output.WriteLine(f);
        var errors = app.Logged().Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Error).ToList();
        foreach (var e in errors.Take(10)) output.WriteLine($"logged {e.Level}: {e.Message} {e.Exception?.GetType().Name}: {e.Exception?.Message}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} requests failed ({fivexx} x 5xx); first: {string.Join("\n", failures.Take(15))}");
    }

    /// <summary>What must hold of an answer, or null when it does.</summary>
    private static async Task<string?> CheckAsync(Made made, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (status >= 500 && status != 505)
            return $"{status} {Cut(body)}";
        if (status == 413 && response.Headers.ConnectionClose != true)
            return "413 without Connection: close";
        // Kestrel refuses a request line or header it cannot read (%00 in the path, a control character in a header)
        // before the gateway sees it: 400, no body, connection closed. Every answer of the gateway's own says why.
        var kestrels = status == 400 && body.Length == 0 && response.Content.Headers.ContentType is null && response.Headers.ConnectionClose == true;
        if (status is 400 or 413 or 415 && body.Length == 0 && !kestrels && made.Request.Method != HttpMethod.Head)
            return $"{status} without a reason";
        if (made.Twiml && status == 200)
        {
            try
            {
                XDocument.Parse(body);
            }
            catch (System.Xml.XmlException e)
            {
                return $"TwiML is not XML ({e.Message}): {Cut(body)}";
            }
        }
        return null;
    }

    /// <summary>A request line Kestrel refuses before the gateway sees the request (a NUL in the path, a target over
    /// its 8 KB limit): it answers 400 or 414 and closes, so a client still sending its body may see the connection reset.</summary>
    private static bool KestrelRefuses(Uri url) =>
        url.OriginalString.Split('?')[0].Contains("%00", StringComparison.Ordinal) || url.OriginalString.Length > 8_000;

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private HttpClient NewClient(CookieContainer? cookies) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = cookies is not null,
        CookieContainer = cookies ?? new CookieContainer(),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // Header values as UTF-8 bytes, so a hostile bearer token reaches the server rather than stopping in the client.
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
    })
    { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Signs in through the console's form; returns the antiforgery token its pages carry.</summary>
    private static async Task<string> SignInAsync(HttpClient client)
    {
        var token = Token(await client.GetStringAsync("/signin"));
        var signedIn = await client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = StaffName, ["password"] = StaffFixtures.Password, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return Token(await client.GetStringAsync("/broadcasts/new"));
    }

    private static string Token(string page)
    {
        var match = TokenPattern().Match(page);
        Assert.True(match.Success, "no antiforgery token in the page");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public sealed record Route(string Template, string Method, RoutePattern Pattern, long? MaxBody);

    /// <summary>Every route the app maps, each with each of its methods (GET and POST when it names none, as pages do).</summary>
    private List<Route> Routes() => app.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? methods : ["GET", "POST"])
            .Select(m => new Route("/" + (e.RoutePattern.RawText ?? "").Trim('/'), m, e.RoutePattern,
                e.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize)))
        .DistinctBy(r => (r.Template, r.Method))
        .OrderBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
        .ToList();

    private sealed record Made(HttpRequestMessage Request, bool AsStaff, bool Twiml, string Description);

    private static readonly string[] Hostile =
    [
        "", " ", "\0", "a\0b", "HELP\0", "JOIN \uFFFF", "\uFFFE", "\uFFFF", "+86138\uFFFE00138000", "\uFFFF+8613800138000",
        "13800138000\0", "+8613800138000", "13800138000", "008613800138000", "＋８６１３８００１３８０００", "HELP", "JOIN", "STOP",
        "NEXT", "REPEAT", "TALK", "JOIN 12", "JOIN 2", "下一课", "退订", "订阅", "MYDATA", "LANG EN", "\r\nX-Injected: 1",
        "evil\u202Etxt", "😷", "\uD83D", "a\uDC00b", "'; DROP TABLE subscribers; --", "%00", "99999999999999999999", "-1", "0",
        "1", "2", "3", "1*2", "1*1*1", "*384*123#", "NaN", "null", "true", "<x>&amp;]]>", "\u0001\u0008\u000B\u001B", "2026-13-45",
        "2026-03-02T09:00:00Z", "admin", "editor", "viewer", "notices", "zh", "en", "once", "daily", "weekly", "SM" + new string('a', 32),
        "\u00A0\u2028\u2029", "\\u0000", "{{x}}", "../../etc/passwd", "%ED%A0%80",
    ];

    private static readonly string[] FieldNames =
    [
        "From", "To", "Body", "MessageSid", "SmsSid", "NumMedia", "MediaUrl0", "MediaContentType0", "MessageStatus", "ErrorCode",
        "OptOutType", "AccountSid", "sessionId", "serviceCode", "phoneNumber", "networkCode", "text", "from", "body", "to", "id",
        "phone", "limit", "name", "displayName", "password", "roles", "regions", "Regions", "title", "Title", "zh", "en", "Zh", "En",
        "topics", "Topics", "languages", "Languages", "urgent", "Urgent", "when", "When", "sendAt", "SendAt", "time", "Time",
        "days", "Days", "repeat", "Repeat", "template", "Template", "reason", "overBudget", "confirm", "course", "status", "Status",
        "before", "Before", "returnUrl", "Phone", "Name", "DisplayName", "Roles", "Password", "handler", "file", "done", "token",
        "audience", "schedule", "message", "lesson",
    ];

    private static string Pick(Random r, IReadOnlyList<string> items) => items[r.Next(items.Count)];

    private static string HostileValue(Random r) => r.Next(10) switch
    {
        0 => new string((char)r.Next(0x20, 0x7F), r.Next(2_100, 5_000)),
        1 => Pick(r, Hostile) + Pick(r, Hostile),
        2 => new string(Enumerable.Range(0, r.Next(1, 12)).Select(_ => (char)r.Next(0, 0x10000)).ToArray()),
        _ => Pick(r, Hostile),
    };

    private static string RouteValue(Random r, RoutePatternParameterPart part)
    {
        var typed = part.ParameterPolicies.Any(p => p.Content is "long" or "int");
        return r.Next(6) switch
        {
            0 or 1 when typed => r.Next(4) == 0 ? "9223372036854775807" : r.Next(1, 4).ToString(System.Globalization.CultureInfo.InvariantCulture),
            0 or 1 => Pick(r, ["+8613800138000", "13800138000", StaffName, "admin", "en", "zh", "x"]),
            2 => "%00",
            3 => "%EF%BF%BF",
            4 => Uri.EscapeDataString(Pick(r, ["a b", "😷", "..", "-1", "0", "\u00A0"])),
            _ => "%ED%A0%80",
        };
    }

    private static string Path(Random r, Route route)
    {
        var path = new StringBuilder();
        foreach (var segment in route.Pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart parameter when parameter.IsCatchAll => Pick(r, ["", "stats", "jobs/enqueued", "x/%00", "%EF%BF%BF"]),
                    RoutePatternParameterPart parameter => RouteValue(r, parameter),
                    _ => "",
                });
        }
        return path.Length == 0 ? "/" : path.ToString();
    }

    /// <summary>Percent-encodes text as UTF-8 the way a form or a query string carries it; lone surrogates as the bytes
    /// an attacker would send for them (not valid UTF-8).</summary>
    private static string Encode(string text)
    {
        var sb = new StringBuilder(text.Length * 3);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else if (char.IsSurrogatePair(text, i))
            {
                foreach (var b in Encoding.UTF8.GetBytes(text.Substring(i, 2))) sb.Append('%').Append(b.ToString("X2"));
                i++;
            }
            else if (char.IsSurrogate(c))
                sb.Append("%ED%").Append((0x80 | ((c >> 6) & 0x3F)).ToString("X2")).Append('%').Append((0x80 | (c & 0x3F)).ToString("X2"));
            else
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString())) sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    private static string Json(Random r, int depth = 0)
    {
        var sb = new StringBuilder("{");
        var fields = r.Next(0, 8);
        for (var f = 0; f < fields; f++)
        {
            if (f > 0) sb.Append(',');
            sb.Append(JsonString(Pick(r, FieldNames))).Append(':').Append(JsonValue(r, depth));
        }
        return sb.Append('}').ToString();
    }

    private static string JsonValue(Random r, int depth) => r.Next(9) switch
    {
        0 => r.Next(3) switch { 0 => "99999999999999999999999", 1 => "-1", _ => r.Next(0, 30).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        1 => Pick(r, ["true", "false", "null", "1.5e400", "[]", "{}"]),
        2 => "[" + string.Join(',', Enumerable.Range(0, r.Next(0, 4)).Select(_ => r.Next(2) == 0 ? JsonString(HostileValue(r)) : r.Next(0, 20).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]",
        3 when depth < 2 => Json(r, depth + 1),
        _ => JsonString(HostileValue(r)),
    };

    /// <summary>A JSON string with every control and non-ASCII character escaped, so NULs and lone surrogates survive.</summary>
    private static string JsonString(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when c < 0x20 || c > 0x7E => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return sb.Append('"').ToString();
    }

    private static List<KeyValuePair<string, string>> FormFields(Random r, Route route)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (route.Template == TwilioSms.Path && r.Next(3) > 0)
        {
            // A real webhook's fields with hostile values in some of them, so it reaches the pipeline.
            foreach (var (k, v) in TwilioSms.Form(Pick(r, ["+8613800138000", "+8613900139000", HostileValue(r)]), HostileValue(r)))
                fields.Add(new(k, r.Next(8) == 0 ? HostileValue(r) : v));
        }
        else if (route.Template.Contains("ussd", StringComparison.Ordinal) && r.Next(3) > 0)
        {
            fields.Add(new("sessionId", r.Next(4) == 0 ? HostileValue(r) : "ATUid_fuzz" + r.Next(50)));
            fields.Add(new("serviceCode", r.Next(4) == 0 ? HostileValue(r) : "*384*123#"));
            fields.Add(new("phoneNumber", r.Next(3) == 0 ? HostileValue(r) : "+86138001380" + r.Next(10, 99)));
            fields.Add(new("text", r.Next(2) == 0 ? HostileValue(r) : Pick(r, ["", "1", "1*1", "2*1*1", "3*1", "4", "5*1", "6"])));
            if (r.Next(2) == 0) fields.Add(new("networkCode", HostileValue(r)));
        }
        var extra = r.Next(0, 6);
        for (var f = 0; f < extra; f++)
            fields.Add(new(r.Next(12) == 0 ? HostileValue(r) : Pick(r, FieldNames), HostileValue(r)));
        return fields;
    }

    private static string FormBody(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => Encode(f.Key) + "=" + Encode(f.Value)));

    private static string Multipart(Random r, string boundary, List<KeyValuePair<string, string>> fields)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in fields)
        {
            sb.Append("--").Append(boundary).Append("\r\n");
            if (r.Next(4) == 0)
                sb.Append($"Content-Disposition: form-data; name=\"file\"; filename=\"{k}.csv\"\r\nContent-Type: text/csv\r\n\r\nphone,region\r\n{v},x\r\n");
            else
                sb.Append($"Content-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n");
        }
        return r.Next(3) switch
        {
            0 => sb.ToString(),                                           // no closing boundary
            1 => sb.Append("--").Append(boundary).Append("--\r\n").ToString(),
            _ => sb.ToString()[..(sb.Length / 2)],                         // cut in the middle
        };
    }

    private Made Make(int i, List<Route> routes, string antiforgery)
    {
        var r = new Random(Seed * 7919 + i);
        var route = routes[r.Next(routes.Count)];
        var path = Path(r, route);
        var query = new List<string>();
        for (var q = r.Next(0, 4); q > 0; q--)
            query.Add(Encode(Pick(r, FieldNames)) + "=" + Encode(HostileValue(r)));
        var ussd = route.Template.Contains("ussd", StringComparison.Ordinal);
        if (ussd && r.Next(4) > 0) query.Add("token=" + Encode(GatewayApp.UssdCallbackToken));
        var url = path + (query.Count > 0 ? "?" + string.Join('&', query) : "");

        var method = r.Next(20) == 0 ? Pick(r, ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) : route.Method;
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        var auth = r.Next(10);
        var asStaff = auth is 7 or 8;
        if (auth is >= 2 and <= 6) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + GatewayApp.AdminToken);
        if (auth == 9) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string(HostileValue(r).Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).ToArray()));

        var kind = method is "GET" or "HEAD" or "OPTIONS" && r.Next(4) > 0 ? "none" : Pick(r,
        [
            "form", "form", "form", "form", "json", "json", "multipart", "many-fields", "long-key", "json-charset-nope",
            "form-charset-nope", "no-content-type", "malformed-json", "bytes", "oversized", "chunked-oversized", "multipart-no-boundary",
        ]);
        var fields = FormFields(r, route);
        if (asStaff && r.Next(4) > 0) fields.Add(new("__RequestVerificationToken", antiforgery));
        HttpContent? content = null;
        switch (kind)
        {
            case "form":
                content = Text(FormBody(fields), "application/x-www-form-urlencoded");
                break;
            case "form-charset-nope":
                content = Text(FormBody(fields), "application/x-www-form-urlencoded; charset=nope");
                break;
            case "many-fields":
                content = Text(FormBody(fields.Concat(Enumerable.Range(0, r.Next(1_025, 1_600)).Select(f => new KeyValuePair<string, string>("f" + f, "1")))),
                    "application/x-www-form-urlencoded");
                break;
            case "long-key":
                fields.Add(new(new string('k', r.Next(2_049, 3_000)), "1"));
                content = Text(FormBody(fields), "application/x-www-form-urlencoded");
                break;
            case "json":
                content = Text(Json(r), "application/json");
                break;
            case "json-charset-nope":
                content = Text(Json(r), "application/json; charset=nope");
                break;
            case "malformed-json":
                content = Text(Pick(r, ["{", "{\"from\":", "[1,2", "{\"body\": \"\\uZZZZ\"}", "\u0000", "{\"a\":1}}", "nul"]), "application/json");
                break;
            case "no-content-type":
                content = new ByteArrayContent(Encoding.UTF8.GetBytes(FormBody(fields)));
                break;
            case "bytes":
                var bytes = new byte[r.Next(1, 600)];
                r.NextBytes(bytes);
                content = new ByteArrayContent(bytes);
                content.Headers.TryAddWithoutValidation("Content-Type", Pick(r,
                    ["application/octet-stream", "application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=b", "text/plain", "text/csv", "x/\0"]));
                break;
            case "multipart":
                var boundary = "fuzz" + r.Next();
                content = Text(Multipart(r, boundary, fields), $"multipart/form-data; boundary={boundary}");
                break;
            case "multipart-no-boundary":
                content = Text(Multipart(r, "b", fields), Pick(r, ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"" + new string('b', 100) + "\"", "multipart/mixed; boundary=b"]));
                break;
            case "oversized":
                var size = (int)Math.Min((route.MaxBody ?? 1024 * 1024) + r.Next(1, 5_000), 3 * 1024 * 1024);
                content = Text("Body=" + new string('x', size), "application/x-www-form-urlencoded");
                break;
            case "chunked-oversized":
                var chunked = (int)Math.Min((route.MaxBody ?? 1024 * 1024) + r.Next(1, 5_000), 3 * 1024 * 1024);
                content = new StreamContent(new UnknownLengthStream(Encoding.ASCII.GetBytes("Body=" + new string('x', chunked))));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
                break;
        }
        request.Content = content;

        // Twilio's webhooks: most requests carry a valid signature over what they send, so hostile values get in.
        if (route.Template.StartsWith("/webhooks/twilio", StringComparison.Ordinal) && r.Next(5) > 0)
            request.Headers.TryAddWithoutValidation("X-Twilio-Signature", TwilioSigner.Sign(TwilioSms.AuthToken, app.BaseUrl + url,
                kind is "form" or "many-fields" or "long-key" ? fields : []));
        return new Made(request, asStaff, route.Template == TwilioSms.Path, $"{method} {Cut(url)} [{kind}, auth {auth}]");
    }

    private static ByteArrayContent Text(string body, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    /// <summary>A body whose length is not known in advance, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
