using Dapper;
using Gateway.Delivery;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>One language of a preview: who reads it and what it costs.</summary>
public sealed record LanguagePreview(LanguageText Text, long Recipients, decimal Cost);

/// <summary>One route of a preview (SMS_ROUTES): the messages and segments its provider would send, at its price.</summary>
/// <param name="Provider">twilio, kannel or simulator.</param>
/// <param name="Prefixes">The route's prefixes as SMS_ROUTES lists them ('*' for every other number).</param>
public sealed record RoutePreview(string Provider, IReadOnlyList<string> Prefixes, long Messages, long Segments, decimal PricePerSegment, decimal Cost,
    TimeSpan? EstimatedDuration);

/// <summary>
/// The routes table of the console's broadcast pages (Broadcasts/_Routes.cshtml): a preview's <see cref="RoutePreview"/>s
/// as they are, under a caption (a text key) saying when they were counted. Shown when SMS_ROUTES names two providers or more.
/// </summary>
public sealed record RouteFigures(IReadOnlyList<RoutePreview> Routes, string CaptionKey);

/// <summary>
/// What a broadcast would do if it were sent at its (first) time, counted now with the same audience, verdicts and
/// prices as the fan-out: recipients after opt-outs, known-bad numbers and the frequency guard; when it goes after
/// quiet hours; per language the text, encoding, characters that force UCS-2, segments and cost; per route (SMS_ROUTES)
/// the messages, segments and cost at that provider's price, and how long its sender's pace takes. The estimated cost
/// and duration are the routes' (the routes send side by side: the slowest one's time).
/// </summary>
/// <param name="NextOccurrences">A recurring broadcast's next three sendings (UTC), from its first; empty for a one-off.</param>
public sealed record BroadcastPreview(DateTimeOffset PlannedAt, DateTimeOffset SendsAt, bool HeldForQuietHours, long Audience,
    long Recipients, long Deferred, long SkippedOptedOut, long SkippedInvalidNumber, long SkippedSameText,
    IReadOnlyList<LanguagePreview> Languages, long Segments, decimal PricePerSegment, decimal EstimatedCost, TimeSpan? EstimatedDuration,
    IReadOnlyList<PreviewWarning> Warnings, IReadOnlyList<DateTimeOffset> NextOccurrences, IReadOnlyList<RoutePreview> Routes);

public sealed class PreviewBroadcast(NpgsqlDataSource db, Outbox outbox, FrequencyGuard guard, QuietHours quietHours,
    IOptions<GatewayOptions> gateway, IOptions<DeliveryOptions> delivery)
{
    private const string CountSql = $"""
        WITH {BroadcastAudience.JudgedSql}
        SELECT language, verdict, outbound_route(phone) AS provider, count(*) AS subscribers FROM judged GROUP BY 1, 2, 3
        """;

    // Provider: as the fan-out's rows will get it (Outbox.EnqueueRowsSql); null only before start-up wrote the routes.
    private sealed record Row(string Language, string Verdict, string? Provider, long Subscribers);

    public async Task<BroadcastPreview> HandleAsync(BroadcastDraft draft, CancellationToken ct)
    {
        var zone = gateway.Value.CityTimeZone;
        var plannedAt = draft.Repeat is null
            ? draft.SendAt
            : ValidateBroadcast.ParseCron(draft.Repeat).GetNextOccurrence(draft.SendAt, zone, inclusive: true)?.ToUniversalTime() ?? draft.SendAt;
        var due = draft.Urgent ? plannedAt : quietHours.NextAllowed(plannedAt);
        var texts = BroadcastTexts.Render(draft.Content, gateway.Value.DefaultLanguage, outbox)
            .Where(t => draft.Languages.Length == 0 || draft.Languages.Contains(t.Language)).ToList();

        var parameters = BroadcastAudience.Parameters(draft.Topics, draft.Regions, draft.Languages, guard, due,
            texts.Select(t => t.Prepared.Body).Distinct(), draft.Urgent);
        parameters.Add("From", 0L);
        parameters.Add("To", long.MaxValue);
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(CountSql, parameters, cancellationToken: ct))).AsList();
        long Count(string verdict, string? language = null) =>
            rows.Where(r => r.Verdict == verdict && (language is null || r.Language == language)).Sum(r => r.Subscribers);

        var o = delivery.Value;
        var routes = o.SmsRoutes;
        string ProviderOf(Row r) => r.Provider ?? routes.DefaultProvider;
        long Sent(string language, string? provider = null) => rows
            .Where(r => r.Language == language && r.Verdict is "allowed" or "deferred" && (provider is null || ProviderOf(r) == provider)).Sum(r => r.Subscribers);
        var languages = texts.Select(t => new LanguagePreview(t, Sent(t.Language),
            routes.Providers.Sum(p => Sent(t.Language, p) * t.Prepared.Segments * o.PriceFor(p)))).ToList();
        var routePreviews = routes.Providers.Select(p =>
        {
            var messages = texts.Sum(t => Sent(t.Language, p));
            var routeSegments = texts.Sum(t => Sent(t.Language, p) * t.Prepared.Segments);
            var routeRate = o.RateFor(p);
            return new RoutePreview(p, routes.Routes.Where(r => r.Provider == p).Select(r => r.Prefix).ToList(), messages, routeSegments,
                o.PriceFor(p), routeSegments * o.PriceFor(p), routeRate > 0 ? TimeSpan.FromSeconds(Math.Ceiling(routeSegments / routeRate)) : null);
        }).ToList();
        var segments = languages.Sum(l => l.Recipients * l.Text.Prepared.Segments);

        var warnings = new List<PreviewWarning>();
        if (due > plannedAt)
            warnings.Add(new PreviewWarning(PreviewWarning.QuietHours, null,
                $"quiet hours ({quietHours.Start:HH:mm}-{quietHours.End:HH:mm}): sent at {TimeZoneInfo.ConvertTime(due, zone):yyyy-MM-dd HH:mm} instead of {TimeZoneInfo.ConvertTime(plannedAt, zone):yyyy-MM-dd HH:mm}", [], due));
        foreach (var l in languages.Where(l => l.Text.Language == "en" && l.Text.Measured.Encoding == Delivery.Encoding.SmsEncoding.Ucs2))
        {
            var characters = l.Text.Measured.NonGsmCharacters.Take(10).ToList();
            warnings.Add(new PreviewWarning(PreviewWarning.EnglishInUcs2, "en",
                $"en: characters outside GSM-7 ({string.Join(" ", characters.Select(c => $"'{c}'"))}) make every English message UCS-2, {l.Text.Measured.Segments} segments", characters, null));
        }
        foreach (var l in languages.Where(l => Templates.ContentRules.ContainsLink(l.Text.Prepared.Body)))
            warnings.Add(new PreviewWarning(PreviewWarning.Link, l.Text.Language, $"{l.Text.Language}: contains a link; Chinese networks filter SMS with links", [], null));
        foreach (var r in routePreviews.Where(r => r.EstimatedDuration is { } d && d > delivery.Value.Validity))
            warnings.Add(new PreviewWarning(PreviewWarning.SlowerThanValidity, null,
                $"at {RateSetting(r.Provider)}={o.RateFor(r.Provider)} sending takes longer than SMS_VALIDITY ({delivery.Value.Validity}); messages still queued then expire", [], null));

        IReadOnlyList<DateTimeOffset> next = draft.Repeat is null ? []
            : ValidateBroadcast.ParseCron(draft.Repeat).GetOccurrences(draft.SendAt, draft.SendAt.AddDays(400), zone, fromInclusive: true)
                .Take(3).Select(o => o.ToUniversalTime()).ToList();
        return new BroadcastPreview(plannedAt, due, due > plannedAt, rows.Sum(r => r.Subscribers),
            languages.Sum(l => l.Recipients), Count("deferred"), Count("skipped_opted_out"), Count("skipped_invalid_number"), Count("same_text"),
            languages, segments, o.PricePerSegment, routePreviews.Sum(r => r.Cost),
            routePreviews.Any(r => r.EstimatedDuration is null) ? null : routePreviews.Max(r => r.EstimatedDuration ?? TimeSpan.Zero),
            warnings, next, routePreviews);
    }

    // Which setting paced the route: the provider's own when set, else SMS_RATE_PER_SECOND.
    private string RateSetting(string provider) => provider switch
    {
        DeliveryOptions.Twilio when delivery.Value.TwilioRatePerSecond is not null => "TWILIO_RATE_PER_SECOND",
        DeliveryOptions.Kannel when delivery.Value.KannelRatePerSecond is not null => "KANNEL_RATE_PER_SECOND",
        _ => "SMS_RATE_PER_SECOND",
    };
}
