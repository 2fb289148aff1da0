using Gateway.Lessons;
using Gateway.Subscriptions;

namespace Gateway.Inbound;

/// <summary>Everything a decision reads: the message as read, its id, the sender, and (for course intents) the learner.</summary>
/// <param name="Learner">The sender's delivery hour and enrolments, read and locked only when <see cref="DecideInbound.NeedsLearner"/>.</param>
public sealed record InboundContext(long InboundId, InboundReading Reading, InboundSender Sender, Learner? Learner)
{
    public ParsedMessage Parsed => Reading.Parsed;
    public Subscriber Subscriber => Sender.Subscriber;
    public IReadOnlyList<string> Topics => Sender.Topics;
    public string Phone => Reading.Message.From;

    /// <summary>Replies go out in the subscriber's language, never in the language the message happened to be in.</summary>
    public string Language => Subscriber.Language;

    /// <summary>The text as received, trimmed, for the consent ledger ("STOP please", "ＴＤ").</summary>
    public string KeywordAsReceived
    {
        get
        {
            var trimmed = Reading.Message.Body.Trim();
            return trimmed.Length <= 160 ? trimmed : trimmed[..160];
        }
    }
}
