using System.Xml.Linq;
using Gateway.Providers.Twilio;
using Twilio.TwiML;

namespace Gateway.Tests.Providers.Twilio;

/// <summary>The remembered TwiML answers are the SDK's own, whatever the reply holds, and the memory stays bounded.</summary>
public sealed class TwimlRepliesTests
{
    public static TheoryData<string?> Replies => new()
    {
        null,
        "You joined Prevention notices. Reply STOP 1 to leave, HELP for help.",
        "已订阅：防疫通知。回复 退订 1 退出。",
        "We read \"a<b&c\" > as a topic; there is none.",
        "line one\r\nline two\ttabbed",
        "JOIN \uFFFF and a \u0001 control character",
        "emoji 😷 kept",
    };

    [Theory, MemberData(nameof(Replies))]
    public void Answer_IsWhatTheSdkWrites_FirstTimeAndRemembered(string? reply)
    {
        var sdk = new MessagingResponse();
        if (reply is not null) sdk.Message(XmlText.Carriable(reply));

        Assert.Equal(sdk.ToString(), TwimlReplies.For(reply));
        Assert.Equal(sdk.ToString(), TwimlReplies.For(reply));
        var message = XDocument.Parse(TwimlReplies.For(reply)).Root!.Element("Message");
        // XML reads every line break as \n.
        Assert.Equal(reply is null ? null : XmlText.Carriable(reply).ReplaceLineEndings("\n"), message?.Value);
    }

    [Fact]
    public void Memory_StartsAgainWhenFull_AndStillAnswersRight()
    {
        for (var i = 0; i < TwimlReplies.Capacity * 2 + 10; i++)
            Assert.Contains($"<Message>echo {i}</Message>", TwimlReplies.For($"echo {i}"));
        Assert.True(TwimlReplies.Remembered <= TwimlReplies.Capacity);
    }
}
