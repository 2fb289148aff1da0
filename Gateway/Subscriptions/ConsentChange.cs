namespace Gateway.Subscriptions;

/// <summary>One row of the consent ledger: "opt_in" or "opt_out" of a scope ('all', a topic key, 'course:&lt;key&gt;').</summary>
public sealed record ConsentEntry(string Action, string Scope)
{
    public const string OptIn = "opt_in";
    public const string OptOut = "opt_out";
}

/// <summary>
/// What one request does to a number's consent, decided by <see cref="ConsentRule"/> and carried out by
/// <see cref="ChangeConsent"/>: the status after (null: unchanged), the topics joined and left, and the ledger rows,
/// each written with the text as received (<paramref name="Keyword"/>) and the channel it came by.
/// Course enrolments themselves are the Lessons slice's rows; their consent is ledgered here ('course:&lt;key&gt;').
/// </summary>
public sealed record ConsentChange(
    long SubscriberId,
    string Phone,
    string? Status,
    IReadOnlyList<string> Join,
    IReadOnlyList<string> Leave,
    IReadOnlyList<ConsentEntry> Ledger,
    string? Keyword,
    string Channel)
{
    /// <summary>The course keys this change ledgers as left: their enrolments (the Lessons slice's rows) go with it.</summary>
    public IReadOnlyList<string> CoursesLeft => Ledger
        .Where(e => e.Action == ConsentEntry.OptOut && e.Scope.StartsWith(CourseScopePrefix, StringComparison.Ordinal))
        .Select(e => e.Scope[CourseScopePrefix.Length..]).ToList();

    /// <summary>A course's consent scope is this and its key: 'course:hygiene-kids'.</summary>
    public const string CourseScopePrefix = "course:";

    /// <summary>The topic keys after the change, from the keys before it.</summary>
    public IReadOnlyList<string> TopicsAfter(IEnumerable<string> before) =>
        before.Except(Leave).Concat(Join).Distinct().Order(StringComparer.Ordinal).ToList();
}
