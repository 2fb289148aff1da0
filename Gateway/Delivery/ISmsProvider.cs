using Gateway.Delivery.Encoding;

namespace Gateway.Delivery;

/// <summary>One outbound SMS as handed to a provider.</summary>
/// <param name="MessageId">The outbound message row id; providers use it to make a repeated hand-off harmless.</param>
public sealed record OutgoingSms(long MessageId, string To, string Body, SmsEncoding Encoding, int Segments);

/// <summary>
/// The one seam between the gateway and an SMS provider (Twilio, the simulator, …).
/// Each provider lives in its own folder under Providers/ and translates its wire format and error codes
/// into a <see cref="SendOutcome"/>; nothing outside that folder sees a provider's codes.
/// </summary>
public interface ISmsProvider
{
    string Name { get; }

    Task<SendOutcome> SendAsync(OutgoingSms sms, CancellationToken ct);
}

/// <summary>What became of one hand-off, in the gateway's own words.</summary>
public abstract record SendOutcome
{
    /// <summary>The provider took the message; delivery reports may follow.</summary>
    public sealed record Accepted(string ProviderMessageId) : SendOutcome;

    /// <summary>The provider did not process the request (throttled, unreachable): safe to send again later.</summary>
    public sealed record RetryLater(string Reason, TimeSpan? RetryAfter = null) : SendOutcome;

    /// <summary>We cannot tell whether it was sent (e.g. a timeout after the request left): never resend blindly.</summary>
    public sealed record Ambiguous(string Reason) : SendOutcome;

    /// <summary>The recipient opted out at the carrier or provider.</summary>
    public sealed record RecipientOptedOut(string Reason) : SendOutcome;

    /// <summary>The number cannot receive SMS (invalid, landline).</summary>
    public sealed record InvalidNumber(string Reason) : SendOutcome;

    /// <summary>Refused for good, for this message.</summary>
    public sealed record Failed(string Code, string Reason) : SendOutcome;
}
