using Gateway.Inbound;
using Gateway.Subscriptions;

namespace Gateway.Tests.Inbound;

public sealed class SenderCacheTests
{
    private static InboundSender Sender(int n, string language = "en") => new(
        new Subscriber(n, $"+86139{n:D8}", language, Subscriber.Active, null, DateTime.UtcNow, null), []);

    [Fact]
    public void RemembersTheLatestRecordOfANumber_AndForgetsIt()
    {
        var cache = new SenderCache();
        cache.Remember(Sender(1));
        cache.Remember(Sender(1, "zh"));

        Assert.Equal("zh", cache.Find("+8613900000001")?.Subscriber.Language);
        cache.Forget("+8613900000001");
        Assert.Null(cache.Find("+8613900000001"));
    }

    [Fact]
    public void BeyondItsBound_StartsAgainEmpty()
    {
        var cache = new SenderCache();
        for (var n = 1; n <= SenderCache.MaxEntries; n++)
            cache.Remember(Sender(n));
        cache.Remember(Sender(1, "zh"));   // an update adds nothing
        Assert.NotNull(cache.Find($"+86139{SenderCache.MaxEntries:D8}"));

        cache.Remember(Sender(SenderCache.MaxEntries + 1));

        Assert.Null(cache.Find("+8613900000001"));
        Assert.Null(cache.Find($"+86139{SenderCache.MaxEntries + 1:D8}"));
    }
}
