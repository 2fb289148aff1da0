using Gateway.Delivery.Encoding;

namespace Gateway.Delivery;

/// <summary>One outbound SMS as handed to a provider.</summary>
/// <param name="MessageId">The outbound message row id; providers use it to make a repeated hand-off harmless
/// and to find the message again when a hand-off was ambiguous.</param>
/// <param name="ExpiresAt">After this the message is not worth delivering; providers that can, pass it on
/// (Twilio's ValidityPeriod) so a message stuck in their queue is dropped rather than delivered late.</param>
public sealed record OutgoingSms(long MessageId, string To, string Body, SmsEncoding Encoding, int Segments, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// The one seam between the gateway and an SMS provider (Twilio, the simulator, …).
/// Each provider lives in its own folder under Providers/ and translates its wire format and error codes
/// into a <see cref="SendOutcome"/>; nothing outside that folder sees a provider's codes.
/// </summary>
public interface ISmsProvider
{
    string Name { get; }

    /// <summary>Who sends (Messaging Service, From number, …): the key the dispatcher paces on.</summary>
    string Sender { get; }

    Task<SendOutcome> SendAsync(OutgoingSms sms, CancellationToken ct);

    /// <summary>
    /// The longest one <see cref="SendAsync"/> can take: after it, its request can no longer reach the provider. The
    /// dispatcher starts a hand-off only while its lease outlasts this (<see cref="DispatchLease"/>).
    /// </summary>
    TimeSpan HandOffTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Reconciliation after an ambiguous hand-off: did the provider create this message after <paramref name="since"/>?</summary>
    Task<LookupOutcome> FindAsync(OutgoingSms sms, DateTimeOffset since, CancellationToken ct);

    /// <summary>
    /// Called once before the first send: open connections and run the client's code once with a harmless request,
    /// so the first paced messages do not sit in a cold HTTP stack and then reach the provider all at once.
    /// </summary>
    Task WarmUpAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>What became of one hand-off, in the gateway's own words.</summary>
public abstract record SendOutcome
{
    /// <summary>The provider took the message; delivery reports may follow.</summary>
    public sealed record Accepted(string ProviderMessageId) : SendOutcome;

    /// <summary>The provider did not process the request (throttled, unreachable): safe to send again later.</summary>
    public sealed record RetryLater(string Reason, TimeSpan? RetryAfter = null, string? Code = null) : SendOutcome;

    /// <summary>We cannot tell whether it was sent (e.g. a timeout after the request left): never resend blindly.</summary>
    public sealed record Ambiguous(string Reason, string? Code = null) : SendOutcome;

    /// <summary>The recipient opted out at the carrier or provider.</summary>
    public sealed record RecipientOptedOut(string Reason, string? Code = null) : SendOutcome;

    /// <summary>The number cannot receive SMS (invalid, landline).</summary>
    public sealed record InvalidNumber(string Reason, NumberProblem Problem = NumberProblem.Invalid, string? Code = null) : SendOutcome;

    /// <summary>Refused for good, for this message.</summary>
    public sealed record Failed(string Code, string Reason) : SendOutcome;
}

/// <summary>Why a number cannot receive SMS, as stored in phone_number_problems.problem.</summary>
public enum NumberProblem { Invalid, NotMobile, Unreachable }

/// <summary>The answer to "did the provider get this message?".</summary>
public abstract record LookupOutcome
{
    public sealed record Found(string ProviderMessageId) : LookupOutcome;

    public sealed record NotFound : LookupOutcome;

    /// <summary>The provider could not be asked (unreachable, throttled): ask again later.</summary>
    public sealed record Unknown(string Reason) : LookupOutcome;
}
