using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The run command's local mode, on the real process: LOCAL_MODE=true with an empty DATABASE_URL starts a private
/// cluster; `dotnet run --project Gateway` turns local mode on through its launch profile.
/// </summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task LocalMode_EmptyDatabaseUrl_StartsAPrivateCluster_BecomesReady_AndStopsItOnExit()
    {
        var home = Directory.CreateTempSubdirectory("gateway-run-");
        // Temp folders are private to their owner; as root the server runs as 'postgres', which must get in.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(home.FullName, (UnixFileMode)0b111_101_101);
        var dataDirectory = Path.Combine(home.FullName, "postgres");
        var port = GatewayProcess.FreePort();
        try
        {
            await using var gateway = GatewayProcess.Start("Gateway", new Dictionary<string, string>
            {
                ["LOCAL_MODE"] = "true",
                ["DATABASE_URL"] = "",
                ["ADMIN_API_TOKEN"] = "",
                ["LOCAL_POSTGRES_DIR"] = dataDirectory,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            await gateway.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(120));
            var reply = await http.PostAsJsonAsync("/api/simulator/inbound", new { from = "13800138000", body = "帮助" });
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.True(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")), "the cluster runs from LOCAL_POSTGRES_DIR");
            Assert.Contains("ADMIN_API_TOKEN not set", gateway.Output);
            await SignInAsFirstAdminAsync(port, gateway);

            await gateway.InterruptAsync(TimeSpan.FromSeconds(60));
            Assert.False(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")), "the cluster stops with the gateway");
        }
        finally
        {
            // If the test failed before the gateway stopped its cluster, do not leave a server running.
            var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
                try { System.Diagnostics.Process.GetProcessById(postmaster).Kill(); } catch (ArgumentException) { }
            try { home.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The README's command as written (bar --no-build): its launch profile is what turns local mode on.</summary>
    [Fact]
    public async Task DotnetRun_UsesTheLaunchProfile_AndRunsInLocalMode()
    {
        var port = GatewayProcess.FreePort();
        await using var gateway = GatewayProcess.StartRunCommand(new Dictionary<string, string>
        {
            // A database of its own, so that no private cluster is started under the checkout's .data/.
            ["DATABASE_URL"] = await TestDatabase.CreateAsync(),
            ["ADMIN_API_TOKEN"] = GatewayApp.AdminToken,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await gateway.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(120));

        Assert.Contains("[local] LOCAL_MODE=true", gateway.Output);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/simulator")).StatusCode);
    }

    /// <summary>The run command prints how to sign in to the console; the printed password (kept in .data/) works.</summary>
    private static async Task SignInAsFirstAdminAsync(int port, GatewayProcess gateway)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        System.Text.RegularExpressions.Match line;
        while (!(line = System.Text.RegularExpressions.Regex.Match(gateway.Output, @"\[local\] Console: .* as 'admin' with the password in (\S+): (\S+)")).Success)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no sign-in line printed:\n{gateway.Output}");
            await Task.Delay(250);
        }
        var (file, password) = (line.Groups[1].Value, line.Groups[2].Value);
        Assert.Equal(password, (await File.ReadAllTextAsync(file)).Trim());

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };
        var form = await browser.GetStringAsync("/signin");
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        var signIn = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "admin", ["password"] = password, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
    }
}
