using System.Text.RegularExpressions;

namespace Gateway.Delivery;

/// <summary>One entry of SMS_ROUTES: numbers starting with <paramref name="Prefix"/> ('+86', or '*' for every other) go to <paramref name="Provider"/>.</summary>
public sealed record SmsRoute(string Prefix, string Provider)
{
    public const string Default = "*";

    public bool Matches(string e164) => Prefix == Default || e164.StartsWith(Prefix, StringComparison.Ordinal);

    public override string ToString() => $"{Prefix}:{Provider}";
}

/// <summary>
/// SMS_ROUTES, read: an ordered list of <c>prefix:provider</c> (<c>+86:kannel,*:twilio</c>); the first entry whose prefix
/// starts the number chooses the provider, and the list ends with <c>*</c>, the default. Without SMS_ROUTES every number
/// goes to SMS_PROVIDER. The provider is chosen when a row is queued (<see cref="Outbox"/>) and recorded on it; each
/// provider has its own dispatcher and pacing (<see cref="DeliveryOptions.RateFor"/>) and its own price per segment.
/// </summary>
public sealed partial class SmsRoutes
{
    public static readonly IReadOnlyList<string> KnownProviders = [DeliveryOptions.Simulator, DeliveryOptions.Twilio, DeliveryOptions.Kannel];

    private SmsRoutes(IReadOnlyList<SmsRoute> routes) => Routes = routes;

    public IReadOnlyList<SmsRoute> Routes { get; }

    /// <summary>Every provider a route names, in the routes' order, each once: one dispatcher each.</summary>
    public IReadOnlyList<string> Providers => Routes.Select(r => r.Provider).Distinct().ToList();

    /// <summary>The default route's provider ('*').</summary>
    public string DefaultProvider => Routes[^1].Provider;

    public bool Uses(string provider) => Routes.Any(r => r.Provider == provider);

    /// <summary>The provider for an E.164 number: the first route whose prefix starts it.</summary>
    public string ProviderFor(string e164) => Routes.First(r => r.Matches(e164)).Provider;

    /// <summary>
    /// The provider for a message to <paramref name="e164"/>: <paramref name="preferred"/> (the route a resident wrote in
    /// on) when a route here sends through it, otherwise the route for the number.
    /// </summary>
    public string ProviderFor(string e164, string? preferred) => preferred is not null && Uses(preferred) ? preferred : ProviderFor(e164);

    /// <summary>SMS_ROUTES as written, or null with the reasons it is not a route list.</summary>
    public static (SmsRoutes? Routes, IReadOnlyList<string> Errors) Parse(string? routes, string smsProvider)
    {
        if (string.IsNullOrWhiteSpace(routes))
            return (new SmsRoutes([new SmsRoute(SmsRoute.Default, smsProvider)]), []);
        var errors = new List<string>();
        var parsed = new List<SmsRoute>();
        foreach (var entry in routes.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = entry.LastIndexOf(':');
            var (prefix, provider) = colon < 0 ? (entry, "") : (entry[..colon].Trim(), entry[(colon + 1)..].Trim().ToLowerInvariant());
            if (colon < 0 || (prefix != SmsRoute.Default && !PrefixPattern().IsMatch(prefix)))
                errors.Add($"SMS_ROUTES: '{entry}' must be prefix:provider, the prefix '+' and 1 to 6 digits (+86) or '*' for every other number");
            else if (!KnownProviders.Contains(provider))
                errors.Add($"SMS_ROUTES: '{entry}' names provider '{provider}'; known are {string.Join(", ", KnownProviders)}");
            else if (parsed.Any(r => r.Prefix == prefix))
                errors.Add($"SMS_ROUTES: prefix '{prefix}' appears twice");
            else if (parsed.Any(r => r.Prefix == SmsRoute.Default))
                errors.Add($"SMS_ROUTES: '{entry}' comes after '*', which takes every number: put '*' last");
            else
                parsed.Add(new SmsRoute(prefix, provider));
        }
        if (errors.Count == 0 && parsed.LastOrDefault()?.Prefix != SmsRoute.Default)
            errors.Add($"SMS_ROUTES: '{routes}' has no default route: end it with '*:<provider>', e.g. '+86:kannel,*:twilio'");
        // A shorter prefix before a longer one it starts would leave the longer one unused.
        for (var i = 0; i < parsed.Count && errors.Count == 0; i++)
            for (var j = i + 1; j < parsed.Count; j++)
                if (parsed[j].Prefix != SmsRoute.Default && parsed[j].Prefix.StartsWith(parsed[i].Prefix, StringComparison.Ordinal))
                    errors.Add($"SMS_ROUTES: '{parsed[j]}' is never used: '{parsed[i]}' comes first and takes its numbers");
        return errors.Count == 0 ? (new SmsRoutes(parsed), []) : (null, errors);
    }

    /// <summary>For logs: "+86:kannel,*:twilio".</summary>
    public override string ToString() => string.Join(",", Routes.Select(r => r.ToString()));

    /// <summary>
    /// The routes as a SQL expression over <paramref name="recipient"/> giving the provider (for the set-based way into
    /// the queue). Prefixes are '+' and digits, providers known words, so they are safe to write into the statement.
    /// </summary>
    public string ProviderSql(string recipient) =>
        Routes.Count == 1 ? $"'{Routes[0].Provider}'"
        : "CASE " + string.Concat(Routes.Where(r => r.Prefix != SmsRoute.Default).Select(r => $"WHEN starts_with({recipient}, '{r.Prefix}') THEN '{r.Provider}' "))
          + $"ELSE '{DefaultProvider}' END";

    [GeneratedRegex(@"^\+[1-9][0-9]{0,5}$")]
    private static partial Regex PrefixPattern();
}
