using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Gateway.Tests.Support;

namespace Gateway.Tests.Hosting;

/// <summary>The run command's embedded default, on the real process: empty DATABASE_URL starts a private cluster.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task EmptyDatabaseUrl_StartsAPrivateCluster_BecomesReady_AndStopsItOnExit()
    {
        var home = Directory.CreateTempSubdirectory("gateway-run-");
        // Temp folders are private to their owner; as root the server runs as 'postgres', which must get in.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(home.FullName, (UnixFileMode)0b111_101_101);
        var dataDirectory = Path.Combine(home.FullName, "postgres");
        var port = FreePort();
        try
        {
            await using var gateway = GatewayProcess.Start("Gateway", new Dictionary<string, string>
            {
                ["DATABASE_URL"] = "",
                ["ADMIN_API_TOKEN"] = "",
                ["LOCAL_POSTGRES_DIR"] = dataDirectory,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            await WaitUntilReadyAsync(http, gateway, TimeSpan.FromSeconds(120));
            var reply = await http.PostAsJsonAsync("/api/simulator/inbound", new { from = "13800138000", body = "帮助" });
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.True(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")), "the cluster runs from LOCAL_POSTGRES_DIR");
            Assert.Contains("ADMIN_API_TOKEN not set", gateway.Output);

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

    private static async Task WaitUntilReadyAsync(HttpClient http, GatewayProcess gateway, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(gateway.HasExited, $"the gateway exited early:\n{gateway.Output}");
            try
            {
                if ((await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        Assert.Fail($"not ready after {timeout}:\n{gateway.Output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
