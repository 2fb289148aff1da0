using Microsoft.Extensions.Options;

namespace Gateway.Delivery;

public sealed class DeliveryOptions
{
    public const string Simulator = "simulator";
    public const string Twilio = "twilio";

    /// <summary>Which provider sends SMS: simulator (default, nothing leaves the machine) or twilio.</summary>
    [ConfigurationKeyName("SMS_PROVIDER")]
    public string SmsProvider { get; set; } = Simulator;
}

public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions o) =>
        o.SmsProvider is DeliveryOptions.Simulator or DeliveryOptions.Twilio
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"SMS_PROVIDER: '{o.SmsProvider}' must be '{DeliveryOptions.Simulator}' or '{DeliveryOptions.Twilio}'");
}
