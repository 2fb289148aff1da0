namespace Gateway.Inbound;

/// <summary>
/// A message a resident sent, as received: what every provider's endpoint hands <see cref="InboundPipeline"/>, and
/// what a message kept while the database was away is replayed as. From is E.164, normalised at the edge.
/// </summary>
/// <param name="ProviderMessageId">The provider's id for the message (Twilio's MessageSid): the same id twice is one message.</param>
public sealed record InboundMessage(string Provider, string ProviderMessageId, string From, string? To, string Body, DateTimeOffset ReceivedAt)
{
    /// <summary>What came with the message (MMS), in the provider's order.</summary>
    public IReadOnlyList<InboundMedia> Media { get; init; } = [];

    /// <summary>The provider's own reading of a keyword, when it gives one (Twilio's OptOutType: STOP, START or HELP).
    /// A hint only: our parser decides, and uses it when it understood nothing.</summary>
    public string? ProviderKeyword { get; init; }
}

/// <summary>One piece of media a resident sent: where the provider keeps it, and its type (image/jpeg, …) when given.</summary>
public sealed record InboundMedia(string Url, string? ContentType);
