using Gateway.Subscriptions;
using Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Subscriptions;

public sealed class DeleteSubscriberDataTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    private DeleteSubscriberData Delete => app.Services.GetRequiredService<DeleteSubscriberData>();

    [Fact]
    public async Task ANumberNeverSeen_HasNothingToDelete_AndLeavesNoTrace()
    {
        Assert.Equal(ErasureOutcome.NothingStored, await Delete.HandleAsync("+8613800000401", ConsentChannel.Api, CancellationToken.None));
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM data_erasures"));
    }

    [Fact]
    public async Task ANumberThatOnlyTextedUs_LosesItsMessages_WithoutALedgerEntry()
    {
        await using (var conn = await app.OpenDatabaseAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                INSERT INTO inbound_messages (provider, provider_message_id, from_phone, body, received_at)
                VALUES ('simulator', 'SIM-delete-1', '+8613800000402', 'hello', now())
                """);
        }

        Assert.Equal(ErasureOutcome.Erased, await Delete.HandleAsync("+8613800000402", ConsentChannel.Sms, CancellationToken.None));

        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM inbound_messages WHERE from_phone = '+8613800000402'"));
        // It never subscribed, so there is no consent to prove; the erasure itself is recorded by hash.
        Assert.Equal(0, await app.QuerySingleAsync<int>("SELECT count(*) FROM consent_events WHERE phone_hash = @Hash",
            new { Hash = Subscribers.PhoneHash("+8613800000402") }));
        Assert.Equal("sms", await app.QuerySingleAsync<string>("SELECT channel FROM data_erasures WHERE phone_hash = @Hash",
            new { Hash = Subscribers.PhoneHash("+8613800000402") }));
    }
}
