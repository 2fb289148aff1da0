using Dapper;
using Gateway.Data;
using Gateway.Inbound;
using Gateway.Subscriptions;
using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.Inbound;

/// <summary>The fast path's statements against the database: a sender as remembered is stored past the guard; one
/// changed since fails the whole round trip with the guard's own SQLSTATE (not any error), writing nothing.</summary>
public sealed class InboundFastPathGuardTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASenderChangedSinceRemembered_FailsTheRoundTripWithGW001_AndNothingIsWritten(bool lockSender)
    {
        Database.UseDapperConventions();
        await using var conn = new NpgsqlConnection(await TestDatabase.CreateAsync());
        await conn.OpenAsync();
        const string phone = "+8613800000401";
        var remembered = await conn.QuerySingleAsync<Subscriber>("""
            INSERT INTO subscribers (phone, language, created_at) VALUES (@phone, 'zh', now())
            RETURNING id, phone, language, status, region, created_at, opted_out_at
            """, new { phone });
        var sender = new InboundSender(remembered, []);
        var store = new StoreInboundMessage(TimeProvider.System);
        var ids = new InboundIds();
        var decision = new InboundDecision("help", "a reply");
        async Task SendAsync(string sid) => await conn.ExecuteAsync(SqlStatement.Command(
            store.StoreHandled(await ids.NextAsync(conn, CancellationToken.None), new InboundMessage("twilio", sid, phone, null, "HELP", DateTimeOffset.UtcNow),
                decision, sender, lockSender), null, CancellationToken.None));

        await SendAsync("SM-as-remembered");
        await conn.ExecuteAsync("UPDATE subscribers SET language = 'en' WHERE phone = @phone", new { phone });
        var changed = await Assert.ThrowsAsync<PostgresException>(() => SendAsync("SM-after-a-change"));

        Assert.Equal(InboundFastPath.SenderChanged, changed.SqlState);
        Assert.Equal(["SM-as-remembered"], (await conn.QueryAsync<string>("SELECT provider_message_id FROM inbound_messages")).AsList());
    }
}
