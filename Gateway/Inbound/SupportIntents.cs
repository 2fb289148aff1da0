using Gateway.Hosting;
using Gateway.Subscriptions;
using Gateway.Support;
using Gateway.Templates;
using Microsoft.Extensions.Options;

namespace Gateway.Inbound;

/// <summary>A resident who needs a person. Crisis is checked before everything else by the parser and answered whatever
/// the number's status: never silent, never delayed by quiet hours or limits (the reply is inline, not queued).</summary>
public sealed class SupportIntents(ReplyTexts texts, IOptions<SupportOptions> options)
{
    public InboundDecision Crisis(InboundContext c) =>
        new(InboundDecision.NameOf(Intent.Crisis), texts.Text(MessageKeys.Crisis, c.Language, ("hotlines", options.Value.CrisisHotlines)))
        {
            SupportRequest = Request(c, SupportPriority.High, SupportReason.Crisis),
        };

    /// <summary>TALK, 倾诉, and every everyday way of asking for someone to talk to (templates/keywords.yaml).</summary>
    public InboundDecision Talk(InboundContext c) =>
        new(InboundDecision.NameOf(Intent.Talk), texts.Text(MessageKeys.Talk, c.Language))
        {
            SupportRequest = Request(c, SupportPriority.Normal, SupportReason.Talk),
        };

    /// <summary>The intent stored with a message that went to a counsellor's conversation.</summary>
    public const string ConversationIntent = "conversation";

    /// <summary>In an open conversation: the message is the counsellor's to read; nothing is said back.</summary>
    public InboundDecision InConversation(InboundContext c, long conversation) =>
        new(ConversationIntent, null) { Conversation = Turn(c, conversation, crisis: false, optedOut: false) };

    /// <summary>Crisis words in an open conversation: the hotlines at once, as ever, and the conversation becomes a crisis
    /// (no second request: the counsellor is already there).</summary>
    public InboundDecision CrisisInConversation(InboundContext c, long conversation) =>
        Crisis(c) with { SupportRequest = null, Conversation = Turn(c, conversation, crisis: true, optedOut: false) };

    public static ConversationTurn Turn(InboundContext c, long conversation, bool crisis, bool optedOut) =>
        new(conversation, c.InboundId, crisis, optedOut);

    private static SupportRequestToOpen Request(InboundContext c, string priority, string reason) =>
        new(c.Subscriber.Id, c.Phone, priority, reason, ConsentChannel.Sms, c.InboundId);
}
