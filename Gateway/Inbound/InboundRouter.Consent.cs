using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

// Opting out of everything and back in. Every request is written to the consent ledger with the text as received.
public sealed partial class InboundRouter
{
    /// <summary>STOP, TD, 退订, "please stop texting me": one confirmation; a second STOP gets no reply at all.</summary>
    private InboundOutcome OptOutAll(InboundContext c) => new(Name(Intent.OptOutAll),
        c.Subscriber.IsOptedOut ? null : Text(MessageKeys.OptedOut, c.Language),
        subscribers.OptOutCommands(c.Subscriber, Subscribers.AllTopics, KeywordAsReceived(c), ConsentChannel.Sms).ToList())
    {
        SenderAfter = After(c, status: Subscriber.OptedOut),
    };

    /// <summary>
    /// START, UNSTOP, JOIN / 订阅 alone, and YES after an opt-out. Topics chosen before an opt-out are kept, so
    /// START restores them; someone with no topics (a new number, or one who left them all) gets the default topic.
    /// </summary>
    private InboundOutcome OptIn(InboundContext c)
    {
        var keyword = KeywordAsReceived(c);
        var changes = subscribers.OptInCommands(c.Subscriber, Subscribers.AllTopics, keyword, ConsentChannel.Sms).ToList();
        var after = c.Topics;
        if (after.Count == 0)
        {
            changes.AddRange(subscribers.OptInCommands(c.Subscriber, TopicCatalog.DefaultTopicKey, keyword, ConsentChannel.Sms));
            after = [TopicCatalog.DefaultTopicKey];
        }
        var reply = Text(MessageKeys.OptedIn, c.Language, ("topics", TopicNames(after, c.Language)), ("menu", topics.Menu(c.Language)));
        return new InboundOutcome(Name(Intent.OptIn), reply, changes) { SenderAfter = After(c, status: Subscriber.Active, topicKeys: after) };
    }
}
