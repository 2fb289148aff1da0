using System.Globalization;
using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

// Joining and leaving one topic: "JOIN 2", "订阅 每日", "STOP tips", "退订2". An unknown topic is answered with
// the topic list, never acted on silently.
public sealed partial class InboundRouter
{
    private async Task<InboundOutcome> JoinTopicAsync(InboundContext c, CancellationToken ct)
    {
        if (topics.Resolve(c.Parsed.Argument) is not { } topic)
            return UnknownTopic(c, Intent.Join);

        var keyword = KeywordAsReceived(c);
        // JOIN <topic> is an opt-in keyword: from an opted-out number it is consent to messages again.
        if (c.Subscriber.IsOptedOut)
            await subscribers.OptInAsync(c.Conn, c.Tx, c.Subscriber, Subscribers.AllTopics, keyword, ConsentChannel.Sms, ct);
        var joined = await subscribers.OptInAsync(c.Conn, c.Tx, c.Subscriber, topic.Key, keyword, ConsentChannel.Sms, ct);

        var number = topic.Number.ToString(CultureInfo.InvariantCulture);
        var reply = joined || c.Subscriber.IsOptedOut
            ? Text(MessageKeys.Joined, c.Language, ("topic", topic.Name(c.Language)), ("number", number), ("topics", await TopicNamesAsync(c, ct)))
            : Text(MessageKeys.AlreadyJoined, c.Language, ("topic", topic.Name(c.Language)), ("number", number));
        return new InboundOutcome(Name(Intent.Join), reply);
    }

    private async Task<InboundOutcome> LeaveTopicAsync(InboundContext c, CancellationToken ct)
    {
        if (topics.Resolve(c.Parsed.Argument) is not { } topic)
            return UnknownTopic(c, Intent.Leave);

        var left = await subscribers.OptOutAsync(c.Conn, c.Tx, c.Subscriber, topic.Key, KeywordAsReceived(c), ConsentChannel.Sms, ct);
        var reply = left
            ? Text(MessageKeys.Left, c.Language, ("topic", topic.Name(c.Language)), ("number", topic.Number.ToString(CultureInfo.InvariantCulture)))
            : Text(MessageKeys.NotJoined, c.Language, ("topic", topic.Name(c.Language)), ("topics", await TopicNamesAsync(c, ct)));
        return new InboundOutcome(Name(Intent.Leave), reply);
    }

    private InboundOutcome UnknownTopic(InboundContext c, Intent intent)
    {
        var typed = c.Parsed.Argument ?? "";
        if (typed.Length > 20)
            typed = typed[..20] + "…";
        return new InboundOutcome(Name(intent), Text(MessageKeys.UnknownTopic, c.Language, ("typed", typed), ("menu", topics.Menu(c.Language))));
    }
}
