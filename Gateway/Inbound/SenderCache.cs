using System.Collections.Concurrent;

namespace Gateway.Inbound;

/// <summary>
/// The records of the latest senders as their last message left them, by phone: a message from such a number takes
/// <see cref="InboundFastPath"/>. Every use is checked against the database in the same transaction (the fast path's
/// guard), so an entry made stale by another process or slice only costs the normal path, never a wrong decision.
/// </summary>
public sealed class SenderCache
{
    /// <summary>Beyond this many numbers the cache starts again empty: simple, and a city's active texters fit.</summary>
    public const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<string, InboundSender> _byPhone = new(StringComparer.Ordinal);

    // Counted here because ConcurrentDictionary.Count takes every lock of the dictionary, on every message.
    // Approximate when a clear races an add: the bound only needs to hold roughly.
    private int _count;

    public InboundSender? Find(string phone) => _byPhone.GetValueOrDefault(phone);

    public void Remember(InboundSender sender)
    {
        var phone = sender.Subscriber.Phone;
        if (!_byPhone.TryAdd(phone, sender))
        {
            _byPhone[phone] = sender;
            return;
        }
        if (Interlocked.Increment(ref _count) > MaxEntries)
        {
            _byPhone.Clear();
            Interlocked.Exchange(ref _count, 0);
        }
    }

    public void Forget(string phone)
    {
        if (_byPhone.TryRemove(phone, out _))
            Interlocked.Decrement(ref _count);
    }
}
