using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Start-up rules of a production process (LOCAL_MODE not set), on the built binary: a forgotten setting stops it
/// with one line naming the setting, and nothing local (private PostgreSQL, simulator, in-process worker, made-up
/// admin token, open USSD callback) ever happens by default.
/// </summary>
public sealed class ProductionStartTests
{
    public sealed record Refusal(string Label, string Assembly, Action<Dictionary<string, string>> Change, string Expected)
    {
        public override string ToString() => Label;
    }

    private const string TwilioSid = "AC11111111111111111111111111111111";

    public static TheoryData<Refusal> Refusals => new()
    {
        new("no DATABASE_URL", "Gateway", s => s["DATABASE_URL"] = "",
            "The gateway cannot start: DATABASE_URL: required, a PostgreSQL connection string or postgres:// URL (only LOCAL_MODE=true, for development, starts a private PostgreSQL instead)"),
        new("nothing set at all", "Gateway", s => s.Clear(), "The gateway cannot start: DATABASE_URL: required"),
        new("simulator without SIMULATOR_ENABLED", "Gateway", s => s.Remove("SIMULATOR_ENABLED"),
            "The gateway cannot start: SMS_PROVIDER: 'simulator' outside local mode needs SIMULATOR_ENABLED=true"),
        new("provider forgotten: the default is the simulator", "Gateway", s => { s.Remove("SMS_PROVIDER"); s.Remove("SIMULATOR_ENABLED"); },
            "The gateway cannot start: SMS_PROVIDER: 'simulator' outside local mode needs SIMULATOR_ENABLED=true"),
        new("SIMULATOR_ENABLED=false said out loud", "Gateway", s => s["SIMULATOR_ENABLED"] = "false",
            "The gateway cannot start: SMS_PROVIDER: 'simulator' outside local mode needs SIMULATOR_ENABLED=true"),
        new("SIMULATOR_ENABLED with Twilio", "Gateway", s =>
        {
            s["SMS_PROVIDER"] = "twilio";
            s["TWILIO_ACCOUNT_SID"] = TwilioSid;
            s["TWILIO_AUTH_TOKEN"] = "x";
            s["TWILIO_FROM_NUMBER"] = "+15017122661";
        }, "The gateway cannot start: SIMULATOR_ENABLED: true needs SMS_PROVIDER=simulator (it is 'twilio')"),
        new("USSD on without a callback token", "Gateway", s => s.Remove("USSD_CALLBACK_TOKEN"),
            "The gateway cannot start: USSD_CALLBACK_TOKEN: required outside local mode while USSD is on"),
        new("no admin token, none made up", "Gateway", s => s.Remove("ADMIN_API_TOKEN"), "The gateway cannot start: ADMIN_API_TOKEN: required"),
        new("LOCAL_MODE not a boolean", "Gateway", s => s["LOCAL_MODE"] = "yes", "The gateway cannot start: LOCAL_MODE: 'yes' must be true or false"),
        new("worker: LOCAL_MODE not a boolean", "Gateway.Worker", s => s["LOCAL_MODE"] = "on", "The gateway cannot start: LOCAL_MODE: 'on' must be true or false"),
        new("worker: no DATABASE_URL", "Gateway.Worker", s => s["DATABASE_URL"] = "", "The gateway cannot start: DATABASE_URL: required"),
        new("worker: simulator without SIMULATOR_ENABLED", "Gateway.Worker", s => s.Remove("SIMULATOR_ENABLED"),
            "The gateway cannot start: SMS_PROVIDER: 'simulator' outside local mode needs SIMULATOR_ENABLED=true"),
    };

    [Theory, MemberData(nameof(Refusals))]
    public async Task AForgottenSetting_StopsStartUp_WithOneLineNamingIt(Refusal c)
    {
        var home = Directory.CreateTempSubdirectory("gateway-production-");
        try
        {
            var settings = GatewayProcess.ProductionSettings();
            c.Change(settings);
            // Were anything local to start, it would start here.
            settings["LOCAL_POSTGRES_DIR"] = Path.Combine(home.FullName, "postgres");
            await using var gateway = GatewayProcess.Start(c.Assembly, settings);

            Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var line = Assert.Single(gateway.OutputLines);
            Assert.Contains(c.Expected, line);
            Assert.Empty(home.EnumerateFileSystemInfos());
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Staging_SimulatorNeedsAToken_NoWorkerInProcess_NothingLocal()
    {
        const string viewerToken = "viewer-token-0123456789abcdef";
        var database = await TestDatabase.CreateAsync();
        var port = GatewayProcess.FreePort();
        var settings = GatewayProcess.ProductionSettings(database);
        settings["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        settings["API_TOKENS"] = $"vic:viewer:{viewerToken}";
        // SMS only: no callback is served, so no callback token is needed.
        settings["USSD_ENABLED"] = "false";
        settings.Remove("USSD_CALLBACK_TOKEN");
        await using var gateway = GatewayProcess.Start("Gateway", settings);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await gateway.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(120));

        var anonymous = await http.GetAsync("/simulator");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Authorization: Bearer", await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/simulator/inbound", new { from = "13800138000", body = "HELP" })).StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", viewerToken);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/simulator")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/simulator/inbound", new { from = "13800138000", body = "HELP" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/simulator/ussd")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/webhooks/ussd/africastalking", new FormUrlEncodedContent([]))).StatusCode);

        // The worker runs elsewhere: no Hangfire server joined from this process.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await using var conn = new NpgsqlConnection(database);
        Assert.Equal(0, await conn.QuerySingleAsync<int>("SELECT count(*) FROM hangfire.server"));
        Assert.DoesNotContain("[local", gateway.Output);
        Assert.DoesNotContain("Local mode", gateway.Output);
    }

    [Fact]
    public async Task LocalMode_OpensTheSimulatorAndUssd_RunsTheWorker_AndSaysSo()
    {
        var database = await TestDatabase.CreateAsync();
        var port = GatewayProcess.FreePort();
        await using var gateway = GatewayProcess.Start("Gateway", new Dictionary<string, string>
        {
            ["LOCAL_MODE"] = "true",
            ["DATABASE_URL"] = database,
            ["ADMIN_API_TOKEN"] = GatewayApp.AdminToken,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await gateway.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(120));

        Assert.Contains("[local] LOCAL_MODE=true: development defaults on", gateway.Output);
        Assert.Contains("Local mode: the simulator (/simulator, /simulator/ussd, /api/simulator/*) is open to anyone", gateway.Output);
        Assert.Contains("Local mode: USSD_CALLBACK_TOKEN is not set, so /webhooks/ussd/africastalking accepts callbacks from anyone", gateway.Output);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/simulator")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/simulator/ussd")).StatusCode);
        var dial = await http.PostAsync("/webhooks/ussd/africastalking", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["sessionId"] = "ATUid_local", ["serviceCode"] = "*384*123#", ["phoneNumber"] = "+8613800138000", ["text"] = "",
        }));
        Assert.Equal(HttpStatusCode.OK, dial.StatusCode);
        Assert.StartsWith("CON ", await dial.Content.ReadAsStringAsync());

        await using var conn = new NpgsqlConnection(database);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await conn.QuerySingleAsync<int>("SELECT count(*) FROM hangfire.server") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no Hangfire server joined from the local-mode process:\n{gateway.Output}");
            await Task.Delay(250);
        }
    }

    /// <summary>The worker takes no callbacks: it starts without USSD_CALLBACK_TOKEN.</summary>
    [Fact]
    public async Task Worker_NeedsNoUssdCallbackToken()
    {
        var settings = GatewayProcess.ProductionSettings(await TestDatabase.CreateAsync());
        settings.Remove("USSD_CALLBACK_TOKEN");
        settings.Remove("ASPNETCORE_URLS");
        await using var worker = GatewayProcess.Start("Gateway.Worker", settings);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!worker.Output.Contains("Dispatcher started"))
        {
            Assert.False(worker.HasExited, $"the worker exited:\n{worker.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"the worker did not start:\n{worker.Output}");
            await Task.Delay(250);
        }
    }
}
