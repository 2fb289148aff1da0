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
}

public sealed partial class TwilioOptionsValidator(IOptions<DeliveryOptions> delivery) : IValidateOptions<TwilioOptions>
{
    public ValidateOptionsResult Validate(string? name, TwilioOptions o)
    {
        if (delivery.Value.SmsProvider != DeliveryOptions.Twilio) return ValidateOptionsResult.Success;

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
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSidPattern();
}
