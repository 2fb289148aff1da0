using Microsoft.Extensions.Options;

namespace Gateway.Delivery;

public sealed class DeliveryOptions
{
    public const string Simulator = "simulator";
    public const string Twilio = "twilio";
    public const string Kannel = "kannel";

    /// <summary>Which provider sends SMS: simulator (default, nothing leaves the machine; outside local mode only with
    /// SIMULATOR_ENABLED=true), twilio, or kannel (an SMPP link through Kannel).</summary>
    [ConfigurationKeyName("SMS_PROVIDER")]
    public string SmsProvider { get; set; } = Simulator;

    /// <summary>
    /// The sender's provisioned rate in segments per second (per Messaging Service, From number or simulator),
    /// shared by every worker process. 0 turns pacing off: for benchmarks and tests, never for a real sender.
    /// </summary>
    [ConfigurationKeyName("SMS_RATE_PER_SECOND")]
    public double RatePerSecond { get; set; } = 10;

    /// <summary>Requests to the provider in flight at once per worker process (Little's law: rate × latency).</summary>
    [ConfigurationKeyName("SMS_MAX_IN_FLIGHT")]
    public int MaxInFlight { get; set; } = 50;

    /// <summary>
    /// Provider lookups ("did this message reach you?") per second, shared by every worker process: reconciliation asks
    /// one per message in doubt, and they count against the provider's API limits beside the sends. 0: no limit (tests).
    /// </summary>
    [ConfigurationKeyName("SMS_LOOKUPS_PER_SECOND")]
    public double LookupsPerSecond { get; set; } = 50;

    /// <summary>How long a queued message stays worth sending; after that it is marked expired, never sent late.</summary>
    [ConfigurationKeyName("SMS_VALIDITY")]
    public TimeSpan Validity { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Price of one segment in the account's currency; every outbound row records its cost.</summary>
    [ConfigurationKeyName("SMS_PRICE_PER_SEGMENT")]
    public decimal PricePerSegment { get; set; } = 0.05m;
}

public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions o)
    {
        var errors = new List<string>();
        if (o.SmsProvider is not (DeliveryOptions.Simulator or DeliveryOptions.Twilio or DeliveryOptions.Kannel))
            errors.Add($"SMS_PROVIDER: '{o.SmsProvider}' must be '{DeliveryOptions.Simulator}', '{DeliveryOptions.Twilio}' or '{DeliveryOptions.Kannel}'");
        if (!double.IsFinite(o.RatePerSecond) || o.RatePerSecond < 0 || o.RatePerSecond > 10_000)
            errors.Add($"SMS_RATE_PER_SECOND: {o.RatePerSecond} must be between 0 (no pacing) and 10000 segments per second");
        if (!double.IsFinite(o.LookupsPerSecond) || o.LookupsPerSecond < 0 || o.LookupsPerSecond > 1000)
            errors.Add($"SMS_LOOKUPS_PER_SECOND: {o.LookupsPerSecond} must be between 0 (no limit) and 1000 lookups per second");
        if (o.MaxInFlight is < 1 or > 1000)
            errors.Add($"SMS_MAX_IN_FLIGHT: {o.MaxInFlight} must be between 1 and 1000");
        if (o.Validity < TimeSpan.FromMinutes(1) || o.Validity > TimeSpan.FromDays(7))
            errors.Add($"SMS_VALIDITY: {o.Validity} must be between 00:01:00 and 7.00:00:00");
        if (o.PricePerSegment < 0)
            errors.Add($"SMS_PRICE_PER_SEGMENT: {o.PricePerSegment} must not be negative");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
