using Gateway.Subscriptions;
using Gateway.Support;
using Gateway.Templates;

namespace Gateway.Inbound;

// A resident who needs a person. Crisis is checked before everything else by the parser and answered whatever
// the number's status: never silent, never delayed by quiet hours or limits (the reply is inline, not queued).
public sealed partial class InboundRouter
{
    private async Task<InboundOutcome> CrisisAsync(InboundContext c, CancellationToken ct)
    {
        await support.HandleAsync(c.Conn, c.Tx, c.Subscriber.Id, c.Sms.From, SupportPriority.High, SupportReason.Crisis,
            ConsentChannel.Sms, c.InboundId, ct);
        var reply = Text(MessageKeys.Crisis, c.Language, ("hotlines", supportOptions.Value.CrisisHotlines.Trim()));
        return new InboundOutcome(Name(Intent.Crisis), reply);
    }

    private async Task<InboundOutcome> TalkAsync(InboundContext c, CancellationToken ct)
    {
        await support.HandleAsync(c.Conn, c.Tx, c.Subscriber.Id, c.Sms.From, SupportPriority.Normal, SupportReason.Talk,
            ConsentChannel.Sms, c.InboundId, ct);
        return new InboundOutcome(Name(Intent.Talk), Text(MessageKeys.Talk, c.Language));
    }
}
