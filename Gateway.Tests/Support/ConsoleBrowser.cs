using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Gateway.Tests.Support;

/// <summary>What one first load of a page cost: every request it made, with the bytes each transferred (headers and
/// encoded body, as on the wire).</summary>
public sealed record PageLoad(string Url, int Status, long TransferredBytes, IReadOnlyList<string> Requests);

/// <summary>
/// A person at a browser on the console of a <see cref="BrowserApp"/>: a context of their own (cookies, cache, language),
/// and the checks every page gets: axe finds no serious or critical violation, and a first load with an empty cache
/// transfers at most 100 KB (performance.md G15), every request staying on the gateway.
/// </summary>
public sealed class ConsoleBrowser(BrowserApp app, IBrowserContext context, string locale) : IAsyncDisposable
{
    public const long PageBudgetBytes = 100 * 1024;

    public IBrowserContext Context => context;

    public static async Task<ConsoleBrowser> OpenAsync(BrowserApp app, string locale = "en-US")
    {
        var browser = await Chromium.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1100, Height = 800 },
            TimezoneId = "Asia/Shanghai",
        });
        return new ConsoleBrowser(app, context, locale);
    }

    public async Task<IPage> OpenPageAsync(string path)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        return page;
    }

    /// <summary>Signs in through the form, as a person would; the page is left on wherever sign-in led.</summary>
    public async Task<IPage> SignInAsync(string name, string password)
    {
        var page = await OpenPageAsync("/signin");
        var chinese = (await page.Locator("html").GetAttributeAsync("lang")) == "zh-CN";
        await page.GetByLabel(chinese ? "用户名" : "Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel(chinese ? "密码" : "Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = chinese ? "登录" : "Sign in", Exact = true }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        return page;
    }

    /// <summary>
    /// Loads <paramref name="path"/> in a fresh context with this one's cookies but an empty cache, and checks it:
    /// at most <see cref="PageBudgetBytes"/> transferred, nothing from another host, no serious or critical axe violation.
    /// </summary>
    public async Task<PageLoad> CheckPageAsync(string path, int expectedStatus = 200)
    {
        var browser = await Chromium.BrowserAsync();
        await using var fresh = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1100, Height = 800 },
        });
        var cookies = (await context.CookiesAsync()).Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }).ToList();
        if (cookies.Count > 0) await fresh.AddCookiesAsync(cookies);
        var page = await fresh.NewPageAsync();
        var finished = new List<IRequest>();
        page.RequestFinished += (_, request) => { lock (finished) finished.Add(request); };
        page.RequestFailed += (_, request) => { lock (finished) finished.Add(request); };

        var response = await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Equal(expectedStatus, response!.Status);

        long bytes = 0;
        List<IRequest> requests;
        lock (finished) requests = [.. finished];
        foreach (var request in requests)
        {
            var sizes = await request.SizesAsync();
            bytes += sizes.ResponseHeadersSize + sizes.ResponseBodySize;
        }
        Assert.True(bytes <= PageBudgetBytes, $"{path}: {bytes:N0} bytes transferred on a first load; the budget is {PageBudgetBytes:N0}");
        Assert.All(requests, r => Assert.StartsWith(app.BaseUrl, r.Url));

        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{path}: " + string.Join("; ", serious.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
        return new PageLoad(path, response.Status, bytes, requests.Select(r => r.Url).ToList());
    }

    public ValueTask DisposeAsync() => context.DisposeAsync();
}
