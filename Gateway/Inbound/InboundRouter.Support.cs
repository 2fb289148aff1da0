using Gateway.Subscriptions;
using Gateway.Support;
using Gateway.Templates;

namespace Gateway.Inbound;

// A resident who needs a person. Crisis is checked before everything else by the parser and answered whatever
// the number's status: never silent, never delayed by quiet hours or limits (the reply is inline, not queued).
public sealed partial class InboundRouter
{
    private InboundOutcome Crisis(InboundContext c) => new(Name(Intent.Crisis),
        Text(MessageKeys.Crisis, c.Language, ("hotlines", supportOptions.Value.CrisisHotlines)),
        [support.Command(c.Subscriber.Id, c.Sms.From, SupportPriority.High, SupportReason.Crisis, ConsentChannel.Sms, c.InboundId)])
    {
        SenderAfter = After(c),
    };

    private InboundOutcome Talk(InboundContext c) => new(Name(Intent.Talk),
        Text(MessageKeys.Talk, c.Language),
        [support.Command(c.Subscriber.Id, c.Sms.From, SupportPriority.Normal, SupportReason.Talk, ConsentChannel.Sms, c.InboundId)])
    {
        SenderAfter = After(c),
    };
}
