namespace Gateway.Providers.Simulator;

// The simulator's answers, one record per shape (camelCased in JSON).

/// <summary>POST /api/simulator/inbound: who sent it (E.164), its id, the reply given inline, and whether it was a retry.</summary>
public sealed record SimulatedInboundResponse(string From, string Id, string? Reply, bool Duplicate);

/// <summary>GET /api/simulator/conversation: both sides of a number's conversation, and its record (null before its first message).</summary>
public sealed record ConversationResponse(string Phone, ConversationSubscriberResponse? Subscriber, IReadOnlyList<ConversationLineResponse> Messages);

public sealed record ConversationSubscriberResponse(string Status, string Language, IReadOnlyList<string> Topics);

public sealed record ConversationLineResponse(string Direction, string Body, DateTime At, string? Intent, bool? Replied, int? Segments,
    string? Encoding, IReadOnlyList<ConversationMediaResponse> Media);

public sealed record ConversationMediaResponse(string Url, string? ContentType);

/// <summary>One message of GET /api/simulator/messages: what the simulated phones received.</summary>
public sealed record SimulatedMessageResponse(string To, string Body, int Segments, string Encoding, DateTime SentAt);
