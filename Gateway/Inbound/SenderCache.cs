using System.Collections.Concurrent;
using Gateway.Subscriptions;

namespace Gateway.Inbound;

/// <summary>A sender's record as the router decides from it: the subscriber and their topic keys, sorted ordinally.</summary>
public sealed record InboundSender(Subscriber Subscriber, IReadOnlyList<string> Topics);

/// <summary>
/// The records of senders whose last message changed nothing, by phone: a message from such a number is stored and
/// handled in one round trip. Every use is checked against the database in the same transaction (the router's guard),
/// so an entry made stale by another process or slice only costs the slower path, never a wrong decision.
/// </summary>
public sealed class SenderCache
{
    /// <summary>Beyond this many numbers the cache starts again empty: simple, and a city's active texters fit.</summary>
    public const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<string, InboundSender> _byPhone = new(StringComparer.Ordinal);

    public InboundSender? Find(string phone) => _byPhone.GetValueOrDefault(phone);

    public void Remember(InboundSender sender)
    {
        if (_byPhone.Count >= MaxEntries)
            _byPhone.Clear();
        _byPhone[sender.Subscriber.Phone] = sender;
    }

    public void Forget(string phone) => _byPhone.TryRemove(phone, out _);
}
