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

    /// <summary>
    /// Which provider sends to which numbers: an ordered list of prefix:provider ending with '*' (e.g.
    /// '+86:kannel,*:twilio'). Empty: every number goes to SMS_PROVIDER. See <see cref="SmsRoutes"/>.
    /// </summary>
    [ConfigurationKeyName("SMS_ROUTES")]
    public string? Routes { get; set; }

    /// <summary>Twilio's sender's rate in segments per second; empty: SMS_RATE_PER_SECOND.</summary>
    [ConfigurationKeyName("TWILIO_RATE_PER_SECOND")]
    public double? TwilioRatePerSecond { get; set; }

    /// <summary>Kannel's sender's rate in segments per second (as the operator allows); empty: SMS_RATE_PER_SECOND.</summary>
    [ConfigurationKeyName("KANNEL_RATE_PER_SECOND")]
    public double? KannelRatePerSecond { get; set; }

    /// <summary>Price of one segment sent through Twilio; empty: SMS_PRICE_PER_SEGMENT.</summary>
    [ConfigurationKeyName("TWILIO_PRICE_PER_SEGMENT")]
    public decimal? TwilioPricePerSegment { get; set; }

    /// <summary>Price of one segment sent through Kannel (the operator's tariff); empty: SMS_PRICE_PER_SEGMENT.</summary>
    [ConfigurationKeyName("KANNEL_PRICE_PER_SEGMENT")]
    public decimal? KannelPricePerSegment { get; set; }

    /// <summary>SMS_ROUTES read (every number to SMS_PROVIDER without it); the validator has refused a bad list.</summary>
    public SmsRoutes SmsRoutes => _routes ??= SmsRoutes.Parse(Routes, SmsProvider).Routes
        ?? throw new InvalidOperationException("SMS_ROUTES is not valid: the options validator should have stopped start-up");

    private SmsRoutes? _routes;

    /// <summary>Whether any route sends through <paramref name="provider"/> (a bad SMS_ROUTES: only SMS_PROVIDER).</summary>
    public bool Uses(string provider) => (SmsRoutes.Parse(Routes, SmsProvider).Routes?.Uses(provider)) ?? SmsProvider == provider;

    /// <summary>The pace of <paramref name="provider"/>'s sender: its own setting, else SMS_RATE_PER_SECOND.</summary>
    public double RateFor(string provider) => provider switch
    {
        Twilio => TwilioRatePerSecond ?? RatePerSecond,
        Kannel => KannelRatePerSecond ?? RatePerSecond,
        _ => RatePerSecond,
    };

    /// <summary>The price of a segment sent through <paramref name="provider"/>: its own setting, else SMS_PRICE_PER_SEGMENT.</summary>
    public decimal PriceFor(string provider) => provider switch
    {
        Twilio => TwilioPricePerSegment ?? PricePerSegment,
        Kannel => KannelPricePerSegment ?? PricePerSegment,
        _ => PricePerSegment,
    };
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
        foreach (var (setting, rate) in new[] { ("TWILIO_RATE_PER_SECOND", o.TwilioRatePerSecond), ("KANNEL_RATE_PER_SECOND", o.KannelRatePerSecond) })
            if (rate is { } r && (!double.IsFinite(r) || r < 0 || r > 10_000))
                errors.Add($"{setting}: {r} must be between 0 (no pacing) and 10000 segments per second, or empty for SMS_RATE_PER_SECOND");
        foreach (var (setting, price) in new[] { ("TWILIO_PRICE_PER_SEGMENT", o.TwilioPricePerSegment), ("KANNEL_PRICE_PER_SEGMENT", o.KannelPricePerSegment) })
            if (price is < 0)
                errors.Add($"{setting}: {price} must not be negative");
        // Each provider a route names must also be configured: its own validator asks for its settings (Uses).
        errors.AddRange(SmsRoutes.Parse(o.Routes, o.SmsProvider).Errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
