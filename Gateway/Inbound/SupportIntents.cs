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

    private static SupportRequestToOpen Request(InboundContext c, string priority, string reason) =>
        new(c.Subscriber.Id, c.Phone, priority, reason, ConsentChannel.Sms, c.InboundId);
}
