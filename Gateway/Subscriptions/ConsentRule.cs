using Gateway.Templates;

namespace Gateway.Subscriptions;

/// <summary>
/// The consent rule, one for every channel (docs/inbound.md "Consent"). Pure: it turns a request and the number's
/// record into a <see cref="ConsentChange"/>, which <see cref="ChangeConsent"/> writes. SMS keywords and USSD menu
/// choices both come here; only how a request is asked for differs by channel (a USSD menu asks "yes" before a
/// choice that opts an opted-out number back in, an SMS keyword is itself the request).
/// <list type="bullet">
/// <item>Stopping everything keeps the topics and courses chosen before, so that opting back in restores them.</item>
/// <item>Opting back in to everything (START, UNSTOP, YES after an opt-out, JOIN alone) restores them; a number with
/// no topics gets the default topic.</item>
/// <item>Joining one topic or course while opted out opts back in to exactly that one: the topics and courses kept from
/// before are left, and ledgered as left, so the number receives what it just asked for and nothing it did not.</item>
/// <item>Leaving a topic or course is done whatever the status (it never adds messages).</item>
/// <item>Every request is ledgered, even one that changes nothing (a second STOP), with the text as received.</item>
/// <item>A number imported without recorded consent is pending: YES confirms exactly the topics the confirmation SMS
/// named, ledgered one by one; any other opt-in keyword, or joining one topic, works as it does for an opted-out number.
/// What an import does to each number is <see cref="ImportConsent"/>'s SQL, by the same rule: recorded consent
/// subscribes (new, pending or active numbers; never an opted-out one), no consent asks a new number only.</item>
/// </list>
/// </summary>
public static class ConsentRule
{
    /// <summary>Scope of an opt-in or opt-out that covers every topic.</summary>
    public const string All = "all";

    public static ConsentChange StopEverything(Subscriber s, string? keyword, string channel) =>
        Change(s, Subscriber.OptedOut, [], [], [new(ConsentEntry.OptOut, All)], keyword, channel);

    public static ConsentChange OptBackIn(Subscriber s, IReadOnlyList<string> topics, string? keyword, string channel) => topics.Count == 0
        ? Change(s, Subscriber.Active, [TopicCatalog.DefaultTopicKey], [], [new(ConsentEntry.OptIn, All), new(ConsentEntry.OptIn, TopicCatalog.DefaultTopicKey)], keyword, channel)
        : Change(s, Subscriber.Active, [], [], [new(ConsentEntry.OptIn, All)], keyword, channel);

    /// <summary>YES / 是 from a pending number: active, with the topics the confirmation named, each ledgered.</summary>
    public static ConsentChange Confirm(Subscriber s, IReadOnlyList<string> topics, string? keyword, string channel) => topics.Count == 0
        ? Change(s, Subscriber.Active, [TopicCatalog.DefaultTopicKey], [], [new(ConsentEntry.OptIn, TopicCatalog.DefaultTopicKey)], keyword, channel)
        : Change(s, Subscriber.Active, [], [], topics.Select(t => new ConsentEntry(ConsentEntry.OptIn, t)).ToList(), keyword, channel);

    /// <param name="coursesInProgress">The 'course:&lt;key&gt;' scopes the number is on: left when it opts back in to this topic only.</param>
    public static ConsentChange JoinTopic(Subscriber s, IReadOnlyList<string> topics, IReadOnlyList<string> coursesInProgress, string topic,
        string? keyword, string channel)
    {
        if (!s.IsActive)
            return OnlyThis(s, topics, coursesInProgress, topic, joinTopic: true, keyword, channel);
        return Change(s, null, [topic], [], [new(ConsentEntry.OptIn, topic)], keyword, channel);
    }

    public static ConsentChange LeaveTopic(Subscriber s, string topic, string? keyword, string channel) =>
        Change(s, null, [], [topic], [new(ConsentEntry.OptOut, topic)], keyword, channel);

    /// <summary>Enrolling in a course: the Lessons slice writes the enrolment, this the consent to its lessons.</summary>
    public static ConsentChange JoinCourse(Subscriber s, IReadOnlyList<string> topics, IReadOnlyList<string> coursesInProgress, string courseScope,
        string? keyword, string channel)
    {
        if (!s.IsActive)
            return OnlyThis(s, topics, coursesInProgress, courseScope, joinTopic: false, keyword, channel);
        return Change(s, null, [], [], [new(ConsentEntry.OptIn, courseScope)], keyword, channel);
    }

    public static ConsentChange LeaveCourse(Subscriber s, string courseScope, string? keyword, string channel) =>
        Change(s, null, [], [], [new(ConsentEntry.OptOut, courseScope)], keyword, channel);

    private static ConsentChange OnlyThis(Subscriber s, IReadOnlyList<string> topics, IReadOnlyList<string> coursesInProgress, string scope,
        bool joinTopic, string? keyword, string channel)
    {
        var staleTopics = topics.Where(t => t != scope).ToList();
        var ledger = new List<ConsentEntry> { new(ConsentEntry.OptIn, All) };
        ledger.AddRange(staleTopics.Select(t => new ConsentEntry(ConsentEntry.OptOut, t)));
        ledger.AddRange(coursesInProgress.Where(c => c != scope).Select(c => new ConsentEntry(ConsentEntry.OptOut, c)));
        ledger.Add(new(ConsentEntry.OptIn, scope));
        return Change(s, Subscriber.Active, joinTopic ? [scope] : [], staleTopics, ledger, keyword, channel);
    }

    private static ConsentChange Change(Subscriber s, string? status, IReadOnlyList<string> join, IReadOnlyList<string> leave,
        IReadOnlyList<ConsentEntry> ledger, string? keyword, string channel) =>
        new(s.Id, s.Phone, status == s.Status ? null : status, join, leave, ledger, keyword, channel);
}
