using Gateway.Inbound;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Inbound;

/// <summary>Messages a crashed web process stored but never handled are handled by the recurring job.</summary>
public sealed class FinishUnhandledMessagesTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private async Task Stored(string sid, string phone, string body, TimeSpan ago) =>
        await app.QuerySingleAsync<long>("""
            INSERT INTO inbound_messages (provider, provider_message_id, from_phone, body, received_at)
            VALUES ('twilio', @sid, @phone, @body, @at) RETURNING id
            """, new { sid, phone, body, at = app.Clock.GetUtcNow() - ago });

    private Task<DateTime?> HandledAt(string sid) =>
        app.QuerySingleAsync<DateTime?>("SELECT handled_at FROM inbound_messages WHERE provider_message_id = @sid", new { sid });

    [Fact]
    public async Task AnOptOutStoredButNeverHandled_TakesEffect_OnlyOnceOldEnough_AndWithinTheWindow()
    {
        await Stored("SMcrash-old-enough", "+8613800000501", "退订", TimeSpan.FromMinutes(5));
        await Stored("SMcrash-too-young", "+8613800000502", "退订", TimeSpan.FromSeconds(30));
        await Stored("SMcrash-too-old", "+8613800000503", "退订", TimeSpan.FromHours(7));

        await app.Services.GetRequiredService<FinishUnhandledMessages>().RunAsync(CancellationToken.None);

        Assert.NotNull(await HandledAt("SMcrash-old-enough"));
        Assert.Equal("opted_out", await app.QuerySingleAsync<string>("SELECT status FROM subscribers WHERE phone = '+8613800000501'"));
        Assert.Equal([("opt_out", "all", "退订")], await app.QueryAsync<(string, string, string)>(
            "SELECT action, scope, keyword FROM consent_events WHERE phone = '+8613800000501'"));
        Assert.Null(await HandledAt("SMcrash-too-young"));   // its webhook may still be running
        Assert.Null(await HandledAt("SMcrash-too-old"));     // left to officials, in the inbox

        // Running again changes nothing.
        await app.Services.GetRequiredService<FinishUnhandledMessages>().RunAsync(CancellationToken.None);
        Assert.Equal(1, await app.QuerySingleAsync<int>("SELECT count(*)::int FROM consent_events WHERE phone = '+8613800000501'"));
    }
}
