using System.Diagnostics;
using Microsoft.Playwright;

namespace Gateway.Tests.Support;

/// <summary>
/// Debian's Chromium, driven by Playwright for .NET (which cannot download its own browsers here). Installed with apt
/// when /usr/bin/chromium is missing, as the fixtures do for PostgreSQL and npm; launched once per test run, headless,
/// and closed when the run ends.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private static readonly Lazy<Task<IBrowser>> Browser = new(LaunchAsync);

    public static Task<IBrowser> BrowserAsync() => Browser.Value;

    private static async Task<IBrowser> LaunchAsync()
    {
        await EnsureInstalledAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Flags,
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            browser.CloseAsync().Wait(TimeSpan.FromSeconds(10));
            playwright.Dispose();
        };
        return browser;
    }

    private static async Task EnsureInstalledAsync()
    {
        if (File.Exists(ExecutablePath)) return;
        var root = Environment.UserName == "root";
        string[] Apt(params string[] args) => root ? args : ["-n", "apt-get", .. args];
        var apt = root ? "apt-get" : "sudo";
        await RunAsync(apt, Apt("update", "-q"), TimeSpan.FromMinutes(5), mustSucceed: false);
        await RunAsync(apt, Apt("install", "-y", "-q", "chromium"), TimeSpan.FromMinutes(15), mustSucceed: true);
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"apt installed chromium, but {ExecutablePath} is still missing");
    }

    private static async Task RunAsync(string file, string[] args, TimeSpan timeout, bool mustSucceed)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(psi)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (mustSucceed && process.ExitCode != 0)
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({process.ExitCode}): {string.Join("\n", await output)}");
    }
}
