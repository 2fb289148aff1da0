using System.Collections.Concurrent;

namespace Gateway.Inbound;

/// <summary>
/// The answers this process gave to the latest messages, by provider and message id, so that a provider's retry of
/// one of them is answered without the database. An answer is remembered only once its message's handling committed,
/// and a handled message's reply never changes: what is found here is what the stored message says. A retry that
/// reaches another web process, or comes after its entry was dropped, is answered from the stored message instead.
/// </summary>
public sealed class RecentReplies
{
    /// <summary>Two generations of this many: between 20,000 and 40,000 of the latest messages (under 25 MB even if every
    /// reply were a long one), minutes of traffic on a normal day and seconds at full load.</summary>
    public const int GenerationSize = 20_000;

    private volatile ConcurrentDictionary<(string Provider, string MessageId), InboundAnswer> _current = new();
    private volatile ConcurrentDictionary<(string Provider, string MessageId), InboundAnswer> _previous = new();
    private int _count;

    /// <summary>The answer given to this message, marked as a retry; null when this process does not know it.</summary>
    public InboundAnswer? Find(InboundMessage message)
    {
        var key = (message.Provider, message.ProviderMessageId);
        return _current.TryGetValue(key, out var answer) || _previous.TryGetValue(key, out answer) ? answer : null;
    }

    /// <summary>Call after the message's handling committed (or was found committed).</summary>
    public void Remember(InboundMessage message, string? reply, string? intent = null)
    {
        if (!_current.TryAdd((message.Provider, message.ProviderMessageId), new InboundAnswer(reply, Duplicate: true, intent)))
            return;
        // The oldest generation is dropped whole: no per-entry bookkeeping on every message. Exactly one caller sees
        // the count reach the size; messages added meanwhile to the generation it retires are still found there.
        if (Interlocked.Increment(ref _count) == GenerationSize)
        {
            _previous = _current;
            _current = new();
            Interlocked.Exchange(ref _count, 0);
        }
    }
}
