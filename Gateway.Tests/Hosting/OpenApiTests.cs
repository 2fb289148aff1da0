using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Shell;
using Gateway.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Hosting;

/// <summary>
/// /openapi/v1.json describes every route the gateway maps (the admin API, the webhooks, the simulator; the console's
/// pages and assets are HTML for people, not API), each with the status codes its endpoint declares; and every route
/// answers typed results (TypedResults, a response record per answer shape), so that those codes are the real ones.
/// </summary>
public sealed partial class OpenApiTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    /// <summary>Routes whose handlers still return a bare IResult. This list may only shrink; aim for none.</summary>
    private static readonly HashSet<string> Untyped =
    [
    ];

    /// <summary>The document's own route: not part of what it describes.</summary>
    private const string OpenApiRoute = "/openapi/{documentName}.json";

    private sealed record Route(string Key, string Path, string Method, IReadOnlyList<int> StatusCodes, bool Typed);

    private IReadOnlyList<Route> MappedRoutes() => app.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.Metadata.GetMetadata<MethodInfo>() is not null && e.Metadata.GetMetadata<ConsoleEndpoint>() is null
            && e.RoutePattern.RawText != OpenApiRoute)
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method =>
        {
            var path = Constraint().Replace(e.RoutePattern.RawText ?? "", "{$1}");
            if (!path.StartsWith('/')) path = "/" + path;
            if (path.Length > 1) path = path.TrimEnd('/');
            var codes = e.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).Distinct().Order().ToList();
            return new Route($"{method} {path}", path, method, codes, IsTyped(e.Metadata.GetMetadata<MethodInfo>()!) && codes.Any(c => c < 400));
        }))
        .ToList();

    /// <summary>Typed: the handler's declared answer is a result type (Results&lt;…&gt;, Ok&lt;T&gt;, …), not IResult or object.</summary>
    private static bool IsTyped(MethodInfo handler)
    {
        var type = handler.ReturnType;
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            type = type.GetGenericArguments()[0];
        return type != typeof(IResult) && type != typeof(object) && type != typeof(Task) && type != typeof(void) && typeof(IResult).IsAssignableFrom(type);
    }

    [GeneratedRegex(@"\{([^}:?=]+)[^}]*\}")]
    private static partial Regex Constraint();

    private async Task<JsonElement> DocumentAsync()
    {
        var response = await app.CreateClient().GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task Document_IsOpenApi3_AndDescribesTheAdminApiAndTheWebhooks()
    {
        var document = await DocumentAsync();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/broadcasts", paths);
        Assert.Contains("/webhooks/twilio/sms", paths);
    }

    [Fact]
    public async Task EveryMappedRoute_IsInTheDocument_WithItsStatusCodes()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        var routes = MappedRoutes();
        Assert.True(routes.Count > 30, $"only {routes.Count} routes found");

        var problems = new List<string>();
        foreach (var route in routes)
        {
            if (!paths.TryGetProperty(route.Path, out var path) || !path.TryGetProperty(route.Method.ToLowerInvariant(), out var operation))
            {
                problems.Add($"{route.Key}: not in the document");
                continue;
            }
            var documented = operation.TryGetProperty("responses", out var responses)
                ? responses.EnumerateObject().Select(r => r.Name).ToHashSet()
                : [];
            var missing = route.StatusCodes.Where(c => !documented.Contains(c.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            if (missing.Count > 0) problems.Add($"{route.Key}: status {string.Join(", ", missing)} not documented");
            if (!route.Typed && !Untyped.Contains(route.Key)) problems.Add($"{route.Key}: returns a bare IResult (or declares no success status)");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();

    /// <summary>
    /// Which routes are protected is found out, not read from the code: each is called without a token or sign-in, and
    /// one that answers 401 must say in the document that it takes a bearer token or the staff cookie, and that it may
    /// answer 401 and 403; one that does not must claim neither (a webhook checks its provider's signature instead).
    /// </summary>
    [Fact]
    public async Task EveryProtectedOperation_DeclaresTheBearerTokenAndCookie_And401And403()
    {
        var document = await DocumentAsync();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("staffCookie").GetProperty("type").GetString());
        Assert.Equal("cookie", schemes.GetProperty("staffCookie").GetProperty("in").GetString());
        Assert.Equal(Gateway.Staff.StaffCookie.Name, schemes.GetProperty("staffCookie").GetProperty("name").GetString());

        var paths = document.GetProperty("paths");
        var anonymous = app.CreateClient();
        var problems = new List<string>();
        var protectedRoutes = 0;
        foreach (var route in MappedRoutes())
        {
            var operation = paths.GetProperty(route.Path).GetProperty(route.Method.ToLowerInvariant());
            var required = operation.TryGetProperty("security", out var security)
                ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToHashSet()
                : [];
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), Parameter().Replace(route.Path, "1"));
            var status = (await anonymous.SendAsync(request)).StatusCode;
            if (status == HttpStatusCode.Unauthorized)
            {
                protectedRoutes++;
                if (!required.SetEquals(["bearer", "staffCookie"])) problems.Add($"{route.Key}: answers 401, but its security is [{string.Join(", ", required)}]");
                if (!responses.Contains("401") || !responses.Contains("403")) problems.Add($"{route.Key}: answers 401, but documents {string.Join(", ", responses.Order())}");
            }
            else if (required.Count > 0 || responses.Contains("401"))
                problems.Add($"{route.Key}: answers {(int)status} without a token, yet documents a token as required");
        }
        Assert.True(protectedRoutes > 20, $"only {protectedRoutes} routes answered 401 without a token");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheUntypedAllowlist_OnlyShrinks()
    {
        var routes = MappedRoutes().ToDictionary(r => r.Key, r => r, StringComparer.Ordinal);
        var stale = Untyped.Where(key => !routes.TryGetValue(key, out var route) || route.Typed).ToList();
        Assert.True(stale.Count == 0, "typed now or gone, remove from the allowlist: " + string.Join(", ", stale));
    }
}
