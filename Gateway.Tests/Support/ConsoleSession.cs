using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Gateway.Tests.Support;

/// <summary>
/// A browser's view of the console over plain HTTP: cookies kept, redirects not followed, each form posted with the
/// antiforgery token its page gave (or without it, to check the refusal). https, so Secure cookies come back as a
/// browser would send them. The browser tests (Playwright) cover what only a browser shows.
/// </summary>
public sealed partial class ConsoleSession(HttpClient client)
{
    public HttpClient Client { get; } = client;

    /// <summary>A new visitor whose browser asks for English (or <paramref name="language"/>).</summary>
    public static ConsoleSession Anonymous(WebApplicationFactory<Program> app, string language = "en")
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"),
            AllowAutoRedirect = false,
            HandleCookies = true,
        });
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        return new ConsoleSession(client);
    }

    /// <summary>Signs in through the sign-in form; fails the test unless it worked.</summary>
    public static async Task<ConsoleSession> SignInAsync(WebApplicationFactory<Program> app, string name, string password)
    {
        var session = Anonymous(app);
        var response = await session.SignInAsync(name, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return session;
    }

    public async Task<HttpResponseMessage> SignInAsync(string name, string password) =>
        await PostFormAsync("/signin", new() { ["name"] = name, ["password"] = password });

    /// <summary>The antiforgery token in the page at <paramref name="path"/> (its cookie is kept).</summary>
    public async Task<string> TokenAsync(string path)
    {
        var page = await Client.GetStringAsync(path);
        var match = TokenPattern().Match(page);
        Assert.True(match.Success, $"no antiforgery token in {path}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Posts a form as the page at <paramref name="pagePath"/> (default: the same path) would, token included unless told not to.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> form, bool withToken = true, string? pagePath = null)
    {
        var fields = new List<KeyValuePair<string, string>>(form);
        if (withToken) fields.Add(new("__RequestVerificationToken", await TokenAsync(pagePath ?? path.Split('?')[0])));
        return await Client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    public async Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, string pagePath)
    {
        var all = fields.Append(new("__RequestVerificationToken", await TokenAsync(pagePath))).ToList();
        return await Client.PostAsync(path, new FormUrlEncodedContent(all));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}

/// <summary>Adds staff through the API with the admin token, as an admin would.</summary>
public static class StaffFixtures
{
    public const string Password = "correct horse battery";

    public static async Task AddAsync(GatewayApp app, string name, string[] roles, string[]? regions = null, string password = Password)
    {
        var response = await app.AdminClient().PostAsJsonAsync("/api/staff", new { name, displayName = name.ToUpperInvariant(), roles, regions = regions ?? [], password });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"adding {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
