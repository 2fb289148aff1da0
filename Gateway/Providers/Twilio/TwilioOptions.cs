using System.Text.RegularExpressions;
using Gateway.Delivery;
using Gateway.Phones;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Twilio;

public sealed class TwilioOptions
{
    [ConfigurationKeyName("TWILIO_ACCOUNT_SID")]
    public string? AccountSid { get; set; }

    /// <summary>Signs Twilio's webhooks and authenticates our REST calls.</summary>
    [ConfigurationKeyName("TWILIO_AUTH_TOKEN")]
    public string? AuthToken { get; set; }

    /// <summary>Send through this Messaging Service (preferred: pooled senders, opt-out handling).</summary>
    [ConfigurationKeyName("TWILIO_MESSAGING_SERVICE_SID")]
    public string? MessagingServiceSid { get; set; }

    /// <summary>Or send from this number, E.164.</summary>
    [ConfigurationKeyName("TWILIO_FROM_NUMBER")]
    public string? FromNumber { get; set; }

    /// <summary>Empty: https://api.twilio.com. Otherwise requests go here instead, path kept (a mock, Prism, a staging fake).</summary>
    [ConfigurationKeyName("TWILIO_API_BASE_URL")]
    public string? ApiBaseUrl { get; set; }

    /// <summary>How long one REST call may take. A create that times out is ambiguous: reconciled, never resent blindly.</summary>
    [ConfigurationKeyName("TWILIO_REQUEST_TIMEOUT")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Who sends: the key the dispatcher paces on.</summary>
    public string Sender => string.IsNullOrWhiteSpace(MessagingServiceSid) ? FromNumber ?? "" : MessagingServiceSid;
}

public sealed partial class TwilioOptionsValidator(IOptions<DeliveryOptions> delivery) : IValidateOptions<TwilioOptions>
{
    public ValidateOptionsResult Validate(string? name, TwilioOptions o)
    {
        if (!delivery.Value.Uses(DeliveryOptions.Twilio)) return ValidateOptionsResult.Success;

        var errors = new List<string>();
        if (o.AccountSid is null || !AccountSidPattern().IsMatch(o.AccountSid))
            errors.Add("TWILIO_ACCOUNT_SID: required when SMS_PROVIDER=twilio; 'AC' followed by 32 hex digits");
        if (string.IsNullOrWhiteSpace(o.AuthToken))
            errors.Add("TWILIO_AUTH_TOKEN: required when SMS_PROVIDER=twilio");
        if (string.IsNullOrWhiteSpace(o.MessagingServiceSid) && string.IsNullOrWhiteSpace(o.FromNumber))
            errors.Add("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER: one is required when SMS_PROVIDER=twilio");
        if (!string.IsNullOrWhiteSpace(o.MessagingServiceSid) && !MessagingServiceSidPattern().IsMatch(o.MessagingServiceSid))
            errors.Add("TWILIO_MESSAGING_SERVICE_SID: 'MG' followed by 32 hex digits");
        if (!string.IsNullOrWhiteSpace(o.FromNumber) && (!o.FromNumber.StartsWith('+') || !Phone.Normalise(o.FromNumber, "US").IsValid))
            errors.Add($"TWILIO_FROM_NUMBER: '{o.FromNumber}' is not an E.164 number such as +15017122661");
        if (!string.IsNullOrWhiteSpace(o.ApiBaseUrl) && (!Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https")))
            errors.Add($"TWILIO_API_BASE_URL: '{o.ApiBaseUrl}' must be empty or an absolute http(s) URL such as http://127.0.0.1:4010");
        // A send must end inside the dispatcher's lease (Dispatcher.Lease, 20 s, renewed every 3 s): see Dispatcher.HandOffMargin.
        if (o.RequestTimeout < TimeSpan.FromMilliseconds(100) || o.RequestTimeout > TimeSpan.FromSeconds(15))
            errors.Add($"TWILIO_REQUEST_TIMEOUT: {o.RequestTimeout} must be between 00:00:00.1 and 00:00:15");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSidPattern();
}
