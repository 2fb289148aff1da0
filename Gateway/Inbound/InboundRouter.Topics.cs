using System.Globalization;
using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

// Joining and leaving one topic: "JOIN 2", "订阅 每日", "STOP tips", "退订2". An unknown topic is answered with
// the topic list, never acted on silently.
public sealed partial class InboundRouter
{
    private InboundOutcome JoinTopic(InboundContext c)
    {
        if (topics.Resolve(c.Parsed.Argument) is not { } topic)
            return UnknownTopic(c, Intent.Join);

        var keyword = KeywordAsReceived(c);
        var changes = new List<Npgsql.NpgsqlBatchCommand>();
        // JOIN <topic> is an opt-in keyword: from an opted-out number it is consent to messages again.
        if (c.Subscriber.IsOptedOut)
            changes.AddRange(subscribers.OptInCommands(c.Subscriber, Subscribers.AllTopics, keyword, ConsentChannel.Sms));
        var alreadyJoined = c.Topics.Contains(topic.Key);
        changes.AddRange(subscribers.OptInCommands(c.Subscriber, topic.Key, keyword, ConsentChannel.Sms));

        var number = topic.Number.ToString(CultureInfo.InvariantCulture);
        var reply = alreadyJoined && !c.Subscriber.IsOptedOut
            ? Text(MessageKeys.AlreadyJoined, c.Language, ("topic", topic.Name(c.Language)), ("number", number))
            : Text(MessageKeys.Joined, c.Language, ("topic", topic.Name(c.Language)), ("number", number),
                ("topics", TopicNames(c.Topics.Append(topic.Key), c.Language)));
        return new InboundOutcome(Name(Intent.Join), reply, changes)
        {
            SenderAfter = After(c, status: Subscriber.Active, topicKeys: c.Topics.Append(topic.Key)),
        };
    }

    private InboundOutcome LeaveTopic(InboundContext c)
    {
        if (topics.Resolve(c.Parsed.Argument) is not { } topic)
            return UnknownTopic(c, Intent.Leave);

        var changes = subscribers.OptOutCommands(c.Subscriber, topic.Key, KeywordAsReceived(c), ConsentChannel.Sms).ToList();
        var reply = c.Topics.Contains(topic.Key)
            ? Text(MessageKeys.Left, c.Language, ("topic", topic.Name(c.Language)), ("number", topic.Number.ToString(CultureInfo.InvariantCulture)))
            : Text(MessageKeys.NotJoined, c.Language, ("topic", topic.Name(c.Language)), ("topics", TopicNames(c.Topics, c.Language)));
        return new InboundOutcome(Name(Intent.Leave), reply, changes) { SenderAfter = After(c, topicKeys: c.Topics.Where(t => t != topic.Key)) };
    }

    private InboundOutcome UnknownTopic(InboundContext c, Intent intent)
    {
        var typed = c.Parsed.Argument ?? "";
        if (typed.Length > 20)
            typed = typed[..20] + "…";
        return new InboundOutcome(Name(intent), Text(MessageKeys.UnknownTopic, c.Language, ("typed", typed), ("menu", topics.Menu(c.Language))));
    }
}
