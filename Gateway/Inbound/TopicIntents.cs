using Gateway.Lessons;
using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

/// <summary>Joining and leaving one topic: "JOIN 2", "订阅 每日", "STOP tips", "退订2". An unknown topic is answered with
/// the topic list, never acted on silently.</summary>
public sealed class TopicIntents(TopicCatalog topics, ReplyTexts texts)
{
    /// <summary>JOIN &lt;topic&gt; is an opt-in keyword: from an opted-out number it opts back in to that topic only
    /// (the consent rule), so the learner is read too and the courses it was on are left.</summary>
    public InboundDecision Join(InboundContext c)
    {
        if (topics.Resolve(c.Parsed.Argument) is not { } topic)
            return UnknownTopic(c, Intent.Join);

        var courses = c.Learner is null ? [] : Enrolments.CoursesInProgress(c.Learner);
        var consent = ConsentRule.JoinTopic(c.Subscriber, c.Topics, courses, topic.Key, c.KeywordAsReceived, ConsentChannel.Sms);
        var number = ReplyTexts.Number(topic.Number);
        var reply = c.Topics.Contains(topic.Key) && c.Subscriber.IsActive
            ? texts.Text(MessageKeys.AlreadyJoined, c.Language, ("topic", topic.Name(c.Language)), ("number", number))
            : texts.Text(MessageKeys.Joined, c.Language, ("topic", topic.Name(c.Language)), ("number", number),
                ("topics", texts.TopicNames(consent.TopicsAfter(c.Topics), c.Language)));
        return new InboundDecision(InboundDecision.NameOf(Intent.Join), reply)
        {
            Consent = consent,
            Course = consent.CoursesLeft.Count == 0 ? null : new CourseChange(c.Subscriber.Id) { Leave = consent.CoursesLeft },
        };
    }

    public InboundDecision Leave(InboundContext c)
    {
        if (topics.Resolve(c.Parsed.Argument) is not { } topic)
            return UnknownTopic(c, Intent.Leave);

        var reply = c.Topics.Contains(topic.Key)
            ? texts.Text(MessageKeys.Left, c.Language, ("topic", topic.Name(c.Language)), ("number", ReplyTexts.Number(topic.Number)))
            : texts.Text(MessageKeys.NotJoined, c.Language, ("topic", topic.Name(c.Language)), ("topics", texts.TopicNames(c.Topics, c.Language)));
        return new InboundDecision(InboundDecision.NameOf(Intent.Leave), reply)
        {
            Consent = ConsentRule.LeaveTopic(c.Subscriber, topic.Key, c.KeywordAsReceived, ConsentChannel.Sms),
        };
    }

    private InboundDecision UnknownTopic(InboundContext c, Intent intent)
    {
        var typed = c.Parsed.Argument ?? "";
        if (typed.Length > 20)
            typed = typed[..20] + "…";
        return new InboundDecision(InboundDecision.NameOf(intent),
            texts.Text(MessageKeys.UnknownTopic, c.Language, ("typed", typed), ("menu", texts.TopicMenu(c.Language))));
    }
}
