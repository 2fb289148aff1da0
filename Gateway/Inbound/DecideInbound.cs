using Gateway.Subscriptions;
using Gateway.Templates;

namespace Gateway.Inbound;

/// <summary>
/// The decision step: a pure function of the message as read and the sender's record (and, for course intents, the
/// learner's enrolments) to an <see cref="InboundDecision"/>. It writes nothing. The route table below names the
/// intent class that decides each intent; the rules that hold for all of them (opt-out is sacred, a typo acted on is
/// said) are here.
/// </summary>
public sealed class DecideInbound(ConsentIntents consent, TopicIntents topics, LessonIntents lessons, SupportIntents support,
    MenuIntents menu, ReplyTexts texts)
{
    // Opt-out is sacred: an opted-out number gets one confirmation and then nothing until it opts back in.
    // These intents still get their reply: opting back in, the help text, and the crisis hotlines.
    private static readonly HashSet<Intent> AnsweredWhileOptedOut = [Intent.Crisis, Intent.OptIn, Intent.Yes, Intent.Join, Intent.Help];

    // These are still carried out for an opted-out number, without a reply: they never add messages (a second
    // STOP, leaving a topic or course, a language or delivery-hour preference), or a person asked for a person (TALK opens
    // a request that a counsellor sees). Anything else from an opted-out number (NEXT, REPEAT) is only stored.
    private static readonly HashSet<Intent> CarriedOutSilentlyWhileOptedOut = [Intent.OptOutAll, Intent.Leave, Intent.Language, Intent.Talk, Intent.Time];

    /// <summary>Whether the decision reads the learner's enrolments, which the pipeline then reads and locks first.</summary>
    public bool NeedsLearner(ParsedMessage parsed, Subscriber sender) => lessons.NeedsLearner(parsed, sender);

    /// <summary>The decision, with the reply as sent: when a typo was acted on, the reply first says how it was read.</summary>
    public InboundDecision Decide(InboundContext c)
    {
        var decision = c.Sender.Conversation is { } conversation ? InConversation(c, conversation) : WhileOptedOut(c);
        return decision.Reply is not null && c.Parsed.Fuzzy
            ? decision with { Reply = ReplyTexts.Sentences(c.Language, ReadAs(c), decision.Reply) }
            : decision;
    }

    private InboundDecision WhileOptedOut(InboundContext c)
    {
        var intent = c.Parsed.Intent;
        if (!c.Subscriber.IsOptedOut || AnsweredWhileOptedOut.Contains(intent))
            return ByIntent(c);
        if (CarriedOutSilentlyWhileOptedOut.Contains(intent))
            return ByIntent(c) with { Reply = null };
        return new InboundDecision(InboundDecision.NameOf(intent), null);
    }

    /// <summary>
    /// While a counsellor holds a conversation with the sender, what they send is for the counsellor: no keyword
    /// handling, no automatic reply, no "not understood". Opt-out words still opt out (and close the conversation);
    /// crisis words still get the hotlines at once (and flag the conversation).
    /// </summary>
    private InboundDecision InConversation(InboundContext c, long conversation) => c.Parsed.Intent switch
    {
        Intent.OptOutAll => consent.StopEverything(c) with { Conversation = SupportIntents.Turn(c, conversation, crisis: false, optedOut: true) },
        Intent.Crisis => support.CrisisInConversation(c, conversation),
        _ => support.InConversation(c, conversation),
    };

    /// <summary>The route table: which intent class decides each intent.</summary>
    private InboundDecision ByIntent(InboundContext c) => c.Parsed.Intent switch
    {
        Intent.Crisis => support.Crisis(c),
        Intent.OptOutAll => consent.StopEverything(c),
        Intent.OptIn => consent.OptBackIn(c),
        Intent.Yes when c.Subscriber.IsOptedOut => consent.OptBackIn(c),   // YES only means "opt me back in" after an opt-out
        Intent.Yes when c.Subscriber.IsPending => consent.Confirm(c),      // or "yes, send me what the list named" (Imports/)
        Intent.Join => lessons.CourseNamed(c.Parsed) is { } course ? lessons.JoinCourse(c, course) : topics.Join(c),
        Intent.Leave => lessons.CourseNamed(c.Parsed) is { } course ? lessons.LeaveCourse(c, course) : topics.Leave(c),
        Intent.Next => lessons.Next(c),
        Intent.Repeat => lessons.Repeat(c),
        Intent.Time => lessons.SetDeliveryTime(c),
        Intent.Help => menu.Help(c),
        Intent.Language => menu.ChangeLanguage(c),
        Intent.Talk => support.Talk(c),
        Intent.MyData => menu.MyData(c),
        _ => menu.NotUnderstood(c),
    };

    /// <summary>"We read "STPO" as STOP.": a typo was acted on, so say how the message was understood.</summary>
    private string ReadAs(InboundContext c)
    {
        var normalized = KeywordParser.Normalize(c.Reading.Message.Body);
        var typed = new string(normalized.TakeWhile(char.IsAsciiLetter).ToArray()).ToUpperInvariant();
        return texts.Text(MessageKeys.ReadAs, c.Language, ("typed", typed), ("keyword", (c.Parsed.Keyword ?? "").ToUpperInvariant()));
    }
}
