namespace Gateway.Ussd;

public enum UssdInputKind
{
    /// <summary>Inputs the session has not handled yet (none on a dial).</summary>
    New,

    /// <summary>The same history as the last step: the aggregator retried; answer the same screen again.</summary>
    Retry,

    /// <summary>Not something a keypad produces, or a history that does not continue the one we handled.</summary>
    Malformed,
}

public sealed record UssdInputRead(UssdInputKind Kind, IReadOnlyList<string> Inputs);

/// <summary>
/// Reads an aggregator's input history. Africa's Talking sends every input of the session so far joined by '*'
/// (protocols.md §8.1): "" on the dial, then "1", "1*2", … The session row keeps the history already handled,
/// so each request handles only what was added. One request can add several inputs: a dial with a pre-filled path
/// (*384*123*1*2#) or a '*' typed inside an input; each segment is then taken as one choice, which is why no menu
/// step asks for free text. Re-deriving the whole path from the history instead would replay actions and could not
/// resume a session from another one.
/// </summary>
public static class UssdInput
{
    /// <summary>Far beyond what a person keys in during a session of at most 180 s.</summary>
    public const int MaxHistoryLength = 1000;

    /// <summary>A menu choice is at most 2 digits; anything much longer was not typed as a choice.</summary>
    public const int MaxInputLength = 20;

    /// <param name="handled">The history as of the last step handled; null for a session we have not seen.</param>
    /// <param name="text">The history in this request.</param>
    public static UssdInputRead Read(string? handled, string text)
    {
        if (text.Length > MaxHistoryLength || text.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
            return Malformed;
        if (text == handled)
            return new(UssdInputKind.Retry, []);

        string added;
        if (string.IsNullOrEmpty(handled))
            added = text;
        else if (text.StartsWith(handled + "*", StringComparison.Ordinal))
            added = text[(handled.Length + 1)..];
        else
            return Malformed;

        if (text.Length == 0) return new(UssdInputKind.New, []);
        var inputs = added.Split('*');
        return inputs.Any(i => i.Length > MaxInputLength) ? Malformed : new(UssdInputKind.New, inputs);
    }

    private static readonly UssdInputRead Malformed = new(UssdInputKind.Malformed, []);
}
