using Gateway.Subscriptions;

namespace Gateway.Inbound;

/// <summary>
/// The sender as a decision reads them: the subscriber and their topic keys in byte order (as the database orders
/// them: the column is COLLATE "C"), and their open conversation with a counsellor. Everything a decision may depend on
/// about the sender is here, and the fast path's guard checks all of it; a new fact is a new member here and in that guard.
/// </summary>
/// <param name="Conversation">The support request whose conversation is open and claimed (Support/Conversations), or null:
/// while there is one, what the resident sends goes to it instead of keyword handling.</param>
public sealed record InboundSender(Subscriber Subscriber, IReadOnlyList<string> Topics, long? Conversation = null)
{
    /// <summary>The sender once <paramref name="decision"/> is carried out, remembered for their next message.</summary>
    public InboundSender After(InboundDecision decision, DateTimeOffset now)
    {
        var subscriber = Subscriber;
        if (decision.Consent?.Status is { } status)
            subscriber = subscriber with { Status = status, OptedOutAt = status == Subscriber.OptedOut ? now.UtcDateTime : null };
        if (decision.Preferences?.Language is { } language)
            subscriber = subscriber with { Language = language };
        var conversation = decision.Conversation is { OptedOut: true } ? null : Conversation;
        return new InboundSender(subscriber, decision.Consent?.TopicsAfter(Topics) ?? Topics, conversation);
    }
}
