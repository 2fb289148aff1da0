using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

/// <summary>Stopping everything and opting back in (STOP, TD, 退订, free-text opt-outs; START, UNSTOP, JOIN alone, YES
/// after an opt-out), and a pending number's YES. The consent itself is the Subscriptions slice's rule (<see cref="ConsentRule"/>).</summary>
public sealed class ConsentIntents(ReplyTexts texts)
{
    /// <summary>One confirmation; a second STOP gets no reply at all (and is still ledgered).</summary>
    public InboundDecision StopEverything(InboundContext c) =>
        new(InboundDecision.NameOf(Intent.OptOutAll), c.Subscriber.IsOptedOut ? null : texts.Text(MessageKeys.OptedOut, c.Language))
        {
            Consent = ConsentRule.StopEverything(c.Subscriber, c.KeywordAsReceived, ConsentChannel.Sms),
        };

    /// <summary>YES / 是 from a number imported without recorded consent (pending): it receives the topics its confirmation
    /// SMS named, each ledgered with channel sms. Decided from the sender's record like any message: no extra read.</summary>
    public InboundDecision Confirm(InboundContext c)
    {
        var consent = ConsentRule.Confirm(c.Subscriber, c.Topics, c.KeywordAsReceived, ConsentChannel.Sms);
        var reply = texts.Text(MessageKeys.OptedIn, c.Language,
            ("topics", texts.TopicNames(consent.TopicsAfter(c.Topics), c.Language)), ("menu", texts.TopicMenu(c.Language)));
        return new InboundDecision(InboundDecision.NameOf(Intent.OptIn), reply) { Consent = consent };
    }

    /// <summary>Topics chosen before an opt-out are kept, so START restores them; someone with none gets the default topic.</summary>
    public InboundDecision OptBackIn(InboundContext c)
    {
        var consent = ConsentRule.OptBackIn(c.Subscriber, c.Topics, c.KeywordAsReceived, ConsentChannel.Sms);
        var reply = texts.Text(MessageKeys.OptedIn, c.Language,
            ("topics", texts.TopicNames(consent.TopicsAfter(c.Topics), c.Language)), ("menu", texts.TopicMenu(c.Language)));
        return new InboundDecision(InboundDecision.NameOf(Intent.OptIn), reply) { Consent = consent };
    }
}
