namespace Gateway.Inbound;

/// <summary>What a resident's SMS asks for. Produced by <see cref="KeywordParser"/>; <see cref="DecideInbound"/> decides what to do.</summary>
/// <param name="Argument">Join/Leave: the topic as typed ("tips", "2", "每日提示"). Language: "en" or "zh".
/// Time: the hour "0".."23". Null when absent or not understood (e.g. "TIME 25").</param>
/// <param name="Fuzzy">True when the keyword was accepted despite one typo. The decision acts on it and says in the
/// reply how the message was read ("We read "STPO" as STOP."), so a wrong guess is visible and can be undone.</param>
/// <param name="Keyword">The lexicon entry that matched, normalised (lower case, NFKC), for the audit trail
/// and for the "We read "STPO" as STOP." reply. Null for Unknown.</param>
public sealed record ParsedMessage(
    Intent Intent,
    string? Argument,
    MessageLanguage DetectedLanguage,
    bool Fuzzy,
    string? Keyword = null);

public enum Intent { Unknown, Crisis, OptOutAll, OptIn, Yes, Join, Leave, Help, Language, Next, Repeat, Time, Talk, MyData }

/// <summary>Zh when the text contains Han characters, En when its letters are all Latin, otherwise Unknown.</summary>
public enum MessageLanguage { Unknown, Zh, En }
