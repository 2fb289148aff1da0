using System.Net;
using Gateway.Delivery;
using Gateway.Inbound;
using Gateway.Tests.Inbound;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Providers.Kannel;

/// <summary>
/// Kannel's MO goes through the same intake as Twilio's webhook (issue 20's spool): with PostgreSQL down it is taken
/// into the spool and answered with an empty 200, and handled once, with one reply, when the database is back. On a
/// cluster of its own, which the test crashes (<see cref="CrashableDatabaseApp"/>).
/// </summary>
public sealed class KannelSpoolTests(CrashableDatabaseApp app) : IClassFixture<CrashableDatabaseApp>
{
    private static string NewNumber() => $"+86137{Random.Shared.Next(30_000_000, 40_000_000):D8}";

    [Fact]
    public async Task AKannelMessageWhileTheDatabaseIsDown_IsSpooled_AndHandledWithOneReply_WhenItIsBack()
    {
        var client = app.CreateClient();
        var resident = NewNumber();
        var id = Guid.NewGuid().ToString();
        var url = $"/webhooks/kannel/sms?token={CrashableDatabaseApp.KannelToken}&from={Uri.EscapeDataString(resident)}&to=12356&text=JOIN"
            + $"&ts=1796230455&id={id}&coding=0&charset=UTF-8";

        await app.CrashDatabaseAsync();
        try
        {
            using var taken = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
            Assert.Equal("", await taken.Content.ReadAsStringAsync());
            Assert.Equal(1, app.Services.GetRequiredService<InboundSpool>().Depth);
        }
        finally
        {
            await app.StartDatabaseAsync();
        }
        await WaitUntilAsync(() => Task.FromResult(app.Services.GetRequiredService<InboundSpool>().Depth == 0), "the spool is replayed");
        // Kannel told to retry (http-request-retry) sends the same request again: the same message, and the same reply.
        using var retried = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(("kannel", "opt_in"), await app.QuerySingleAsync<(string, string)>(
            "SELECT provider, intent FROM inbound_messages WHERE from_phone = @resident", new { resident }));
        Assert.Equal(MessageKinds.Reply, Assert.Single(await app.QueryAsync<string>(
            "SELECT kind FROM outbound_messages WHERE recipient = @resident", new { resident })));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 60 s: {what}");
            await Task.Delay(100);
        }
    }
}
