using System.Net;
using System.Text.Json;
using Gateway.Tests.Support;

namespace Gateway.Tests.Hosting;

public sealed class HealthTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    [Fact]
    public async Task Live_AnswersWithoutTheDatabase()
    {
        var response = await app.CreateClient().GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_ReportsEveryMigrationApplied()
    {
        var response = await app.CreateClient().GetAsync("/health/ready");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }
}
/// <summary>The database is down at start-up: the process keeps running and keeps retrying, and says so.</summary>
public sealed class HealthWithoutDatabaseTests : IAsyncLifetime
{
    private sealed class UnreachableDatabaseApp : GatewayApp
    {
        // Port 1 on loopback: nothing listens there, so every connection is refused at once.
        protected override void Configure(Dictionary<string, string?> settings) =>
            settings["DATABASE_URL"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2";
    }

    private readonly UnreachableDatabaseApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _app.DisposeAsync().AsTask();

    [Fact]
    public async Task Ready_Says503WithTheReason_AndLiveStaysUp()
    {
        var client = _app.CreateClient();

        var ready = await client.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        Assert.Contains("database", body.GetProperty("checks").GetProperty("database").GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }
}
