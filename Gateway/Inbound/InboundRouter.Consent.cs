using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

// Opting out of everything and back in. Every request is written to the consent ledger with the text as received.
public sealed partial class InboundRouter
{
    /// <summary>STOP, TD, 退订, "please stop texting me": one confirmation; a second STOP gets no reply at all.</summary>
    private async Task<InboundOutcome> OptOutAllAsync(InboundContext c, CancellationToken ct)
    {
        var changed = await subscribers.OptOutAsync(c.Conn, c.Tx, c.Subscriber, Subscribers.AllTopics, KeywordAsReceived(c), ConsentChannel.Sms, ct);
        return new InboundOutcome(Name(Intent.OptOutAll), changed ? Text(MessageKeys.OptedOut, c.Language) : null);
    }

    /// <summary>
    /// START, UNSTOP, JOIN / 订阅 alone, and YES after an opt-out. Topics chosen before an opt-out are kept, so
    /// START restores them; someone with no topics (a new number, or one who left them all) gets the default topic.
    /// </summary>
    private async Task<InboundOutcome> OptInAsync(InboundContext c, CancellationToken ct)
    {
        var keyword = KeywordAsReceived(c);
        await subscribers.OptInAsync(c.Conn, c.Tx, c.Subscriber, Subscribers.AllTopics, keyword, ConsentChannel.Sms, ct);
        if ((await subscribers.TopicsAsync(c.Conn, c.Tx, c.Subscriber.Id, ct)).Count == 0)
            await subscribers.OptInAsync(c.Conn, c.Tx, c.Subscriber, TopicCatalog.DefaultTopicKey, keyword, ConsentChannel.Sms, ct);

        var reply = Text(MessageKeys.OptedIn, c.Language, ("topics", await TopicNamesAsync(c, ct)), ("menu", topics.Menu(c.Language)));
        return new InboundOutcome(Name(Intent.OptIn), reply);
    }
}
