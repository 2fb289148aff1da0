using Gateway.Inbound;

namespace Gateway.Tests.Inbound;

public sealed class RecentRepliesTests
{
    private static InboundMessage Sms(int n, string provider = "twilio") => new(provider, $"SM{n:x32}", "+8613900000001", null, "HELP", DateTimeOffset.UnixEpoch);

    [Fact]
    public void ARememberedAnswer_IsFoundAsARetry_WithItsReply_EvenNone()
    {
        var replies = new RecentReplies();
        replies.Remember(Sms(1), "Reply HELP for the menu");
        replies.Remember(Sms(2), null);

        Assert.Equal(new InboundAnswer("Reply HELP for the menu", Duplicate: true), replies.Find(Sms(1)));
        Assert.Equal(new InboundAnswer(null, Duplicate: true), replies.Find(Sms(2)));
        Assert.Null(replies.Find(Sms(3)));
        Assert.Null(replies.Find(Sms(1, provider: "africastalking")));   // ids are the provider's own
    }

    [Fact]
    public void TheFirstAnswerStands()
    {
        var replies = new RecentReplies();
        replies.Remember(Sms(1), "first");
        replies.Remember(Sms(1), "second");

        Assert.Equal("first", replies.Find(Sms(1))?.Reply);
    }

    [Fact]
    public void KeepsAtLeastTheLatestGeneration_AndDropsTheOneBefore()
    {
        const int size = RecentReplies.GenerationSize;
        var replies = new RecentReplies();
        for (var n = 0; n < 2 * size - 1; n++)
            replies.Remember(Sms(n), $"reply {n}");

        Assert.Equal("reply 0", replies.Find(Sms(0))?.Reply);   // the previous generation is still searched
        Assert.Equal($"reply {2 * size - 2}", replies.Find(Sms(2 * size - 2))?.Reply);

        replies.Remember(Sms(2 * size - 1), "the last of the second generation");   // retires it: the first is dropped

        Assert.Null(replies.Find(Sms(0)));
        Assert.Null(replies.Find(Sms(size - 1)));
        Assert.Equal($"reply {size}", replies.Find(Sms(size))?.Reply);
        Assert.Equal("the last of the second generation", replies.Find(Sms(2 * size - 1))?.Reply);
    }
}
