using System.Text.Json.Serialization;

namespace Gateway.Broadcasts;

/// <summary>
/// The body of POST /api/broadcasts and /api/broadcasts/preview. Unknown fields are refused (400): a misspelt
/// "sendat" must not silently mean "send now".
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BroadcastRequest(
    string? Title,
    Dictionary<string, string?>? Content,
    string? Template,
    AudienceRequest? Audience,
    string? SendAt,
    string? Repeat,
    bool? Urgent);

/// <summary>Who receives it. An empty or missing list puts no condition on that dimension.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AudienceRequest(string[]? Topics, string[]? Regions, string[]? Languages);

/// <summary>A broadcast request that passed every check: what is stored and previewed.</summary>
/// <param name="Content">Text per language as given (or copied from the notice template); other languages fall back to DEFAULT_LANGUAGE.</param>
/// <param name="Topics">Topic keys; empty = subscribers of any topic.</param>
/// <param name="SendAt">One-off: when to send. Recurring: the first occurrence may not be earlier.</param>
/// <param name="Repeat">A 5-field cron expression in TIME_ZONE, or null for a one-off broadcast.</param>
public sealed record BroadcastDraft(
    string Title,
    IReadOnlyDictionary<string, string> Content,
    string? TemplateKey,
    string[] Topics,
    string[] Regions,
    string[] Languages,
    DateTimeOffset SendAt,
    string? Repeat,
    bool Urgent);

/// <summary>POST /api/broadcasts/{id}/approve: an admin approving over the budget says so with OverBudget = true.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ApproveRequest(bool? OverBudget);

/// <summary>POST /api/broadcasts/{id}/reject: why, in words the creator can act on.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RejectRequest(string? Reason);
