using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Gateway.Tests.Support;

/// <summary>
/// The gateway on a real Kestrel port on loopback, for the browser: plain http (PUBLIC_BASE_URL says so, so cookies are
/// not Secure here; SignInTests checks the flag with https). Same database fixture and fake clock as every GatewayApp.
/// </summary>
public class BrowserApp : GatewayApp
{
    private readonly int _port = FreePort();

    public string BaseUrl => $"http://127.0.0.1:{_port}";

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["PUBLIC_BASE_URL"] = BaseUrl;
        settings["urls"] = BaseUrl;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        UseKestrel();
    }

    /// <summary>Makes the database, then starts Kestrel and waits until it answers.</summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.Contains(BaseUrl, addresses);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(BaseUrl + "/health/live")).StatusCode);
    }

    /// <summary>
    /// A screenshot for the docs: written to docs/ when UPDATE_SCREENSHOTS=1 (then committed), otherwise to the temp
    /// folder, so that an ordinary test run leaves the checkout as it was.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string file)
    {
        var folder = Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1" ? Path.Combine(RepoPaths.Root, "docs") : Path.GetTempPath();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, file), FullPage = false });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
