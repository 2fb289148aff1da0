using System.Text.RegularExpressions;
using Gateway.Delivery;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Providers.Kannel;

public sealed class KannelOptions
{
    /// <summary>smsbox's sendsms URL, e.g. http://kannel.internal:13013/cgi-bin/sendsms (its sendsms-port).</summary>
    [ConfigurationKeyName("KANNEL_SENDSMS_URL")]
    public string? SendSmsUrl { get; set; }

    /// <summary>A sendsms-user group of the operator's kannel.conf: its username …</summary>
    [ConfigurationKeyName("KANNEL_USERNAME")]
    public string? Username { get; set; }

    /// <summary>… and its password.</summary>
    [ConfigurationKeyName("KANNEL_PASSWORD")]
    public string? Password { get; set; }

    /// <summary>The sender residents see: the bureau's short code, number, or an alphanumeric name of up to 11 characters.</summary>
    [ConfigurationKeyName("KANNEL_FROM")]
    public string? From { get; set; }

    /// <summary>
    /// Shared secret in the URLs Kannel calls back (delivery reports, and the inbound sms-service URL). Kannel signs
    /// nothing, so without it anyone who finds the URL could move message statuses.
    /// </summary>
    [ConfigurationKeyName("KANNEL_CALLBACK_TOKEN")]
    public string? CallbackToken { get; set; }

    /// <summary>How long one sendsms request may take. One that times out is ambiguous: reconciled, never resent blindly.</summary>
    [ConfigurationKeyName("KANNEL_REQUEST_TIMEOUT")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed partial class KannelOptionsValidator(IOptions<DeliveryOptions> delivery, IOptions<GatewayOptions> gateway) : IValidateOptions<KannelOptions>
{
    public const int MinTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, KannelOptions o)
    {
        var errors = new List<string>();
        // The token is checked whenever it is set: Kannel's callbacks are taken whatever sends today's messages.
        if (!string.IsNullOrEmpty(o.CallbackToken) && !TokenPattern().IsMatch(o.CallbackToken))
            errors.Add($"KANNEL_CALLBACK_TOKEN: at least {MinTokenLength} characters of A-Z, a-z, 0-9, '-', '.', '_' or '~' (it goes into URLs Kannel rewrites)");
        if (!delivery.Value.Uses(DeliveryOptions.Kannel))
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        if (string.IsNullOrWhiteSpace(o.SendSmsUrl))
            errors.Add("KANNEL_SENDSMS_URL: required when SMS_PROVIDER=kannel, e.g. http://kannel.internal:13013/cgi-bin/sendsms");
        else if (!Uri.TryCreate(o.SendSmsUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
                 || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
            errors.Add($"KANNEL_SENDSMS_URL: '{o.SendSmsUrl}' must be an absolute http(s) URL without query, e.g. http://kannel.internal:13013/cgi-bin/sendsms");
        if (string.IsNullOrEmpty(o.Username))
            errors.Add("KANNEL_USERNAME: required when SMS_PROVIDER=kannel (the username of a sendsms-user group)");
        if (string.IsNullOrEmpty(o.Password))
            errors.Add("KANNEL_PASSWORD: required when SMS_PROVIDER=kannel (the password of that sendsms-user group)");
        if (string.IsNullOrWhiteSpace(o.From))
            errors.Add("KANNEL_FROM: required when SMS_PROVIDER=kannel (the sender residents see)");
        else if (!SenderNumberPattern().IsMatch(o.From) && !SenderNamePattern().IsMatch(o.From))
            errors.Add($"KANNEL_FROM: '{o.From}' must be a number of up to 15 digits (a leading + allowed) or a name of up to 11 letters, digits and spaces");
        if (string.IsNullOrEmpty(o.CallbackToken))
            errors.Add("KANNEL_CALLBACK_TOKEN: required when SMS_PROVIDER=kannel (Kannel signs nothing; its callbacks must carry this secret)");
        // Kannel replaces %<letter> in a dlr-url with report fields: a base URL holding '%' would be rewritten.
        if (gateway.Value.PublicBaseUrl.Contains('%'))
            errors.Add($"PUBLIC_BASE_URL: '{gateway.Value.PublicBaseUrl}' must not contain '%' when SMS_PROVIDER=kannel (Kannel rewrites %-codes in callback URLs)");
        // A send must end inside the dispatcher's 25 s lease, which also covers up to 5 s of waiting for a slot.
        if (o.RequestTimeout < TimeSpan.FromMilliseconds(100) || o.RequestTimeout > TimeSpan.FromSeconds(15))
            errors.Add($"KANNEL_REQUEST_TIMEOUT: {o.RequestTimeout} must be between 00:00:00.1 and 00:00:15");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[A-Za-z0-9._~-]{16,}$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^\+?[0-9]{1,15}$")]
    private static partial Regex SenderNumberPattern();

    [GeneratedRegex("^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")]
    private static partial Regex SenderNamePattern();
}
