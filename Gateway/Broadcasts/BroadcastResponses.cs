namespace Gateway.Broadcasts;

// The broadcast API's answers, one record per shape (times in TIME_ZONE). docs/broadcasts.md describes each field.

/// <summary>201 to POST /api/broadcasts.</summary>
public sealed record BroadcastCreatedResponse(long Id, string Status);

/// <summary>A broadcast: GET /api/broadcasts/{id}, and the answer to approve, reject and cancel.</summary>
/// <param name="Counts">Message counts by the names docs/broadcasts.md defines (snake_case, like the statuses they count).</param>
public sealed record BroadcastResponse(
    long Id, string Title, string Status, bool Urgent, string? Template, IReadOnlyDictionary<string, string> Content, AudienceResponse Audience,
    DateTimeOffset SendAt, string? Repeat, DateTimeOffset? NextOccurrenceAt,
    string CreatedBy, DateTimeOffset CreatedAt, string? ApprovedBy, DateTimeOffset? ApprovedAt,
    string? RejectedBy, DateTimeOffset? RejectedAt, string? RejectionReason,
    string? CanceledBy, DateTimeOffset? CanceledAt, DateTimeOffset? FinishedAt, string? Failure, decimal? EstimatedCost,
    bool WaitingForWorker, string? Warning,
    IReadOnlyList<TextResponse> Texts, IReadOnlyDictionary<string, long> Counts, IReadOnlyList<OccurrenceResponse> Occurrences);

public sealed record AudienceResponse(IReadOnlyList<string> Topics, IReadOnlyList<string> Regions, IReadOnlyList<string> Languages);

/// <summary>The text one recipient language gets, as sent.</summary>
public sealed record TextResponse(string Language, string? FallbackFrom, string Text, string Encoding, int Segments);

public sealed record OccurrenceResponse(long Id, DateTimeOffset At, DateTimeOffset DueAt, string Status, int Planned, int HeldForQuietHours,
    int Deferred, int SkippedOptedOut, int SkippedInvalidNumber, int SkippedSameText, DateTimeOffset StartedAt, DateTimeOffset? FannedOutAt);

/// <summary>GET /api/broadcasts: a page, newest first; Next is the URL of the next page, or null at the end.</summary>
public sealed record BroadcastListResponse(IReadOnlyList<BroadcastSummaryResponse> Broadcasts, string? Next);

public sealed record BroadcastSummaryResponse(long Id, string Title, string Status, bool Urgent, string? Repeat, DateTimeOffset SendAt,
    string CreatedBy, DateTimeOffset CreatedAt, string? ApprovedBy, long Planned);

/// <summary>POST /api/broadcasts/preview.</summary>
public sealed record PreviewResponse(
    DateTimeOffset PlannedAt, DateTimeOffset SendsAt, bool HeldForQuietHours, long Audience, long Recipients, long Deferred, SkippedResponse Skipped,
    IReadOnlyList<LanguagePreviewResponse> Languages, long Segments, decimal PricePerSegment, decimal EstimatedCost, TimeSpan? EstimatedDuration,
    IReadOnlyList<string> Warnings, IReadOnlyList<DateTimeOffset> NextOccurrences, BudgetResponse? Budget, IReadOnlyList<RoutePreviewResponse> Routes);

/// <summary>One route of SMS_ROUTES in a preview: its provider, its prefixes ('*': every other number), the messages and
/// segments it would send and their cost at its price, and how long its pace takes (null: not paced).</summary>
public sealed record RoutePreviewResponse(string Provider, IReadOnlyList<string> Prefixes, long Messages, long Segments, decimal PricePerSegment,
    decimal Cost, TimeSpan? EstimatedDuration);

public sealed record SkippedResponse(long OptedOut, long InvalidNumber, long SameText);

public sealed record LanguagePreviewResponse(string Language, long Recipients, string Text, string? FallbackFrom, string Encoding, int Characters,
    IReadOnlyList<string> Ucs2Characters, int Ucs2CharacterCount, int Segments, decimal CostPerMessage, decimal Cost);

/// <summary>A broadcast against SMS_MONTHLY_BUDGET: its city month's figures, its estimate there, and what would remain.</summary>
/// <param name="Month">"2026-03".</param>
public sealed record BudgetResponse(string Month, decimal Budget, decimal Committed, decimal Estimated, decimal Remaining, decimal BroadcastEstimate,
    int Sendings, decimal RemainingAfter, bool OverBudget)
{
    public static BudgetResponse From(BudgetCheck c) => new($"{c.Month.Month:yyyy-MM}", c.Month.Budget, c.Month.Committed, c.Month.Estimated,
        c.Month.Remaining, c.Estimate, c.Sendings, c.RemainingAfter, c.OverBudget);
}
