namespace Gateway.Broadcasts;

/// <summary>
/// Something an official should know before sending: a code the console words in the reader's language, and the same
/// in English for the API (<paramref name="Text"/>).
/// </summary>
/// <param name="Language">The text it is about (zh or en), or null for the whole broadcast.</param>
/// <param name="Characters">For <see cref="EnglishInUcs2"/>: the characters that force UCS-2 (at most 10).</param>
/// <param name="At">For <see cref="QuietHours"/>: when it will be sent instead (UTC).</param>
public sealed record PreviewWarning(string Code, string? Language, string Text, IReadOnlyList<string> Characters, DateTimeOffset? At)
{
    /// <summary>Due inside QUIET_HOURS and not urgent: it waits for the window's end.</summary>
    public const string QuietHours = "quiet_hours";
    /// <summary>The English text has characters outside GSM-7, so every English message is UCS-2 (more segments).</summary>
    public const string EnglishInUcs2 = "english_in_ucs2";
    /// <summary>A text contains a link; Chinese networks filter SMS with links.</summary>
    public const string Link = "link";
    /// <summary>At SMS_RATE_PER_SECOND the send takes longer than SMS_VALIDITY: the last messages would expire.</summary>
    public const string SlowerThanValidity = "slower_than_validity";
}
