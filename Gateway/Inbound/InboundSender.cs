using Gateway.Subscriptions;

namespace Gateway.Inbound;

/// <summary>
/// The sender as a decision reads them: the subscriber and their topic keys in byte order (as the database orders
/// them: the column is COLLATE "C"). Everything a decision may depend on about the sender is here, and the fast path's
/// guard checks all of it; a new fact (an open counselling conversation, say) is a new member here and in that guard.
/// </summary>
public sealed record InboundSender(Subscriber Subscriber, IReadOnlyList<string> Topics)
{
    /// <summary>The sender once <paramref name="decision"/> is carried out, remembered for their next message.</summary>
    public InboundSender After(InboundDecision decision, DateTimeOffset now)
    {
        var subscriber = Subscriber;
        if (decision.Consent?.Status is { } status)
            subscriber = subscriber with { Status = status, OptedOutAt = status == Subscriber.OptedOut ? now.UtcDateTime : null };
        if (decision.Preferences?.Language is { } language)
            subscriber = subscriber with { Language = language };
        return new InboundSender(subscriber, decision.Consent?.TopicsAfter(Topics) ?? Topics);
    }
}
