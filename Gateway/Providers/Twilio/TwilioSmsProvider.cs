using Gateway.Delivery;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace Gateway.Providers.Twilio;

/// <summary>
/// Sends through Twilio's Messages API with the Twilio SDK, from the Messaging Service (or the From number)
/// in TwilioOptions. Every message asks for status callbacks at PUBLIC_BASE_URL/webhooks/twilio/status?m=&lt;our id&gt;:
/// the id lets a callback settle a hand-off whose create call timed out.
/// </summary>
public sealed class TwilioSmsProvider(ITwilioRestClient client, IOptions<TwilioOptions> twilio, IOptions<GatewayOptions> gateway,
    TimeProvider clock) : ISmsProvider
{
    public const string ProviderName = "twilio";
    public const string StatusPath = "/webhooks/twilio/status";

    /// <summary>Twilio keeps a message in its queue at most this long (ValidityPeriod, seconds).</summary>
    private const int MaxValiditySeconds = 36_000;

    public string Name => ProviderName;

    public string Sender => twilio.Value.Sender;

    /// <summary>The SDK's HttpClient gives up on a request after TWILIO_REQUEST_TIMEOUT (TwilioApi).</summary>
    public TimeSpan HandOffTimeout => twilio.Value.RequestTimeout;

    public async Task<SendOutcome> SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        var options = new CreateMessageOptions(new PhoneNumber(sms.To))
        {
            Body = sms.Body,
            StatusCallback = StatusCallback(sms.MessageId),
        };
        if (!string.IsNullOrWhiteSpace(twilio.Value.MessagingServiceSid))
            options.MessagingServiceSid = twilio.Value.MessagingServiceSid;
        else
            options.From = new PhoneNumber(twilio.Value.FromNumber);
        // Twilio drops what it could not send within the message's remaining validity instead of delivering it late.
        if (sms.ExpiresAt is { } expiresAt)
            options.ValidityPeriod = (int)Math.Clamp(Math.Ceiling((expiresAt - clock.GetUtcNow()).TotalSeconds), 1, MaxValiditySeconds);

        var call = TwilioCall.Begin();
        try
        {
            var message = await MessageResource.CreateAsync(options, client);
            return new SendOutcome.Accepted(message.Sid);
        }
        catch (ApiException e)
        {
            return TwilioErrors.FromApiError(e, call.Status, call.RetryAfter);
        }
        catch (Exception e) when (e is ApiConnectionException or HttpRequestException or OperationCanceledException or TimeoutException)
        {
            return TwilioErrors.FromTransportFailure(call.TransportError ?? e);
        }
    }

    /// <summary>
    /// The Messages API has no idempotency key, so "did it go?" is a search: the newest messages to the number,
    /// matched on body and creation time. Twilio's list filters on DateSent, which a queued message lacks, so
    /// the time is compared here.
    /// </summary>
    public async Task<LookupOutcome> FindAsync(OutgoingSms sms, DateTimeOffset since, CancellationToken ct)
    {
        TwilioCall.Begin();
        try
        {
            var page = await MessageResource.ReadAsync(new ReadMessageOptions { To = new PhoneNumber(sms.To), PageSize = 50, Limit = 50 }, client);
            var match = page.FirstOrDefault(m => m.Body == sms.Body && m.DateCreated is { } created && AsUtc(created) >= since.UtcDateTime);
            return match is null ? new LookupOutcome.NotFound() : new LookupOutcome.Found(match.Sid);
        }
        catch (Exception e) when (e is ApiException or ApiConnectionException or HttpRequestException or OperationCanceledException or TimeoutException)
        {
            return new LookupOutcome.Unknown($"Twilio lookup failed: {e.Message}");
        }
    }

    /// <summary>
    /// Lists one message (read-only: it opens a connection and runs the SDK's request path), and runs the create
    /// path's form and JSON code without sending anything.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        new CreateMessageOptions(new PhoneNumber("+15005550006")) { Body = "warm-up", StatusCallback = StatusCallback(0) }.GetParams();
        MessageResource.FromJson("""{"sid": "SM00000000000000000000000000000000", "status": "accepted", "date_created": "Thu, 24 Aug 2023 05:01:45 +0000"}""");
        TwilioCall.Begin();
        try
        {
            await MessageResource.ReadAsync(new ReadMessageOptions { PageSize = 1, Limit = 1 }, client);
        }
        catch (Exception e) when (e is ApiException or ApiConnectionException or HttpRequestException or OperationCanceledException or TimeoutException)
        {
            // Only a warm-up: a real problem shows on the first send, with its outcome.
        }
    }

    private Uri StatusCallback(long messageId) => new($"{gateway.Value.PublicBaseUrl.TrimEnd('/')}{StatusPath}?m={messageId}");

    private static DateTime AsUtc(DateTime t) => t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();
}
