namespace Gateway.Support;

// The counselling API's answers, one record per shape (times in TIME_ZONE). docs/support.md describes each field.
// A resident is a conversation name and a masked number: never the full number (POST …/number, admins, audited).

/// <summary>A request in the queue: GET /api/support/requests, and the answer to claim and close.</summary>
/// <param name="Status">open (waiting for a counsellor), claimed (a conversation), or closed.</param>
/// <param name="WaitingSince">When the resident asked.</param>
public sealed record SupportRequestResponse(long Id, string Name, string Phone, string Status, bool Crisis, string Reason, string Channel,
    string? Language, DateTimeOffset WaitingSince, string? ClaimedBy, DateTimeOffset? ClaimedAt, DateTimeOffset? LastMessageAt,
    DateTimeOffset? ClosedAt, string? ClosedBy, string? Outcome, int Escalations);

/// <summary>One message of GET /api/support/requests/{id}/messages, oldest first.</summary>
/// <param name="Status">For "out": the SMS's delivery status (queued, sending, sent, delivered, undelivered, failed…); null for "in".</param>
/// <param name="SentBy">For "out": the counsellor, or null for the gateway's own messages.</param>
public sealed record ConversationMessageResponse(string Direction, string Text, DateTimeOffset At, string? Status, string? SentBy);

/// <summary>202 to POST /api/support/requests/{id}/messages: the SMS queued at the highest priority.</summary>
public sealed record ReplyQueuedResponse(long MessageId, string Status, int Segments);

/// <summary>A private note: 201 to POST /api/support/requests/{id}/notes, and GET …/notes.</summary>
public sealed record ConversationNoteResponse(long Id, string Author, string Text, DateTimeOffset At);

/// <summary>200 to POST /api/support/requests/{id}/number (admins): the full number, audited with the reason.</summary>
public sealed record RevealedNumberResponse(long Id, string Phone);

public sealed record ConversationTextRequest(string? Text);

public sealed record CloseRequest(string? Outcome, string? Note);

public sealed record RevealNumberRequest(string? Reason);
