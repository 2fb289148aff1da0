using System.Collections.Concurrent;
using Twilio.TwiML;

namespace Gateway.Providers.Twilio;

/// <summary>
/// The TwiML answer to an inbound message, written by the Twilio SDK's <see cref="MessagingResponse"/> and remembered
/// by its reply. Replies come from a few dozen templates, and the SDK writes each through an XmlWriter (about 16 kB
/// allocated per answer, a fifth of a webhook's allocations: webhook --diagnose). Bounded: when full it starts again,
/// so replies that echo a resident's words cannot grow it.
/// </summary>
public static class TwimlReplies
{
    public const int Capacity = 4_096;

    private static readonly ConcurrentDictionary<string, string> Answers = new(StringComparer.Ordinal);

    /// <summary>How many answers are remembered now.</summary>
    public static int Remembered => Answers.Count;

    private static readonly string Empty = new MessagingResponse().ToString();

    /// <summary>&lt;Response&gt; with one &lt;Message&gt; carrying <paramref name="reply"/>, or none for null.</summary>
    public static string For(string? reply)
    {
        if (reply is null) return Empty;
        if (Answers.TryGetValue(reply, out var twiml)) return twiml;
        var response = new MessagingResponse();
        response.Message(XmlText.Carriable(reply));
        twiml = response.ToString();
        if (Answers.Count >= Capacity) Answers.Clear();
        Answers[reply] = twiml;
        return twiml;
    }
}
