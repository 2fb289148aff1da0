using Microsoft.Extensions.Options;

namespace Gateway.Broadcasts;

/// <summary>The sending rules for bulk messages (broadcasts, tips, scheduled lessons). Keys as in .env.example.</summary>
public sealed class BroadcastOptions
{
    /// <summary>Local times (TIME_ZONE) when no bulk message may arrive, "HH:mm-HH:mm"; may cross midnight.</summary>
    [ConfigurationKeyName("QUIET_HOURS")]
    public string QuietHours { get; set; } = "21:00-08:00";

    /// <summary>Most bulk messages one number gets in any rolling 24 hours (carriers block senders that exceed theirs).</summary>
    [ConfigurationKeyName("BULK_MESSAGES_PER_DAY")]
    public int BulkMessagesPerDay { get; set; } = 3;

    /// <summary>Database connections one broadcast's fan-out writes on at once (each takes every n-th range of subscribers).</summary>
    [ConfigurationKeyName("FANOUT_CONNECTIONS")]
    public int FanOutConnections { get; set; } = 2;

    /// <summary>Most the city may spend on SMS in one city month (SMS_PRICE_PER_SEGMENT's currency); empty: no budget.</summary>
    [ConfigurationKeyName("SMS_MONTHLY_BUDGET")]
    public decimal? MonthlyBudget { get; set; }
}

public sealed class BroadcastOptionsValidator : IValidateOptions<BroadcastOptions>
{
    public ValidateOptionsResult Validate(string? name, BroadcastOptions o)
    {
        var errors = new List<string>();
        if (!Broadcasts.QuietHours.TryParseWindow(o.QuietHours, out _, out _, out var reason))
            errors.Add($"QUIET_HOURS: '{o.QuietHours}' {reason}");
        if (o.BulkMessagesPerDay is < 1 or > 50)
            errors.Add($"BULK_MESSAGES_PER_DAY: {o.BulkMessagesPerDay} must be between 1 and 50");
        if (o.FanOutConnections is < 1 or > 16)
            errors.Add($"FANOUT_CONNECTIONS: {o.FanOutConnections} must be between 1 and 16");
        if (o.MonthlyBudget is <= 0)
            errors.Add($"SMS_MONTHLY_BUDGET: {o.MonthlyBudget} must be more than 0 (leave it empty for no budget)");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
