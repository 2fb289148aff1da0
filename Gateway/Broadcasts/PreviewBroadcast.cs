using Dapper;
using Gateway.Delivery;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>One language of a preview: who reads it and what it costs.</summary>
public sealed record LanguagePreview(LanguageText Text, long Recipients, decimal Cost);

/// <summary>
/// What a broadcast would do if it were sent at its (first) time, counted now with the same audience, verdicts and
/// prices as the fan-out: recipients after opt-outs, known-bad numbers and the frequency guard; when it goes after
/// quiet hours; per language the text, encoding, characters that force UCS-2, segments and cost.
/// </summary>
/// <param name="NextOccurrences">A recurring broadcast's next three sendings (UTC), from its first; empty for a one-off.</param>
public sealed record BroadcastPreview(DateTimeOffset PlannedAt, DateTimeOffset SendsAt, bool HeldForQuietHours, long Audience,
    long Recipients, long Deferred, long SkippedOptedOut, long SkippedInvalidNumber, long SkippedSameText,
    IReadOnlyList<LanguagePreview> Languages, long Segments, decimal PricePerSegment, decimal EstimatedCost, TimeSpan? EstimatedDuration,
    IReadOnlyList<PreviewWarning> Warnings, IReadOnlyList<DateTimeOffset> NextOccurrences);

public sealed class PreviewBroadcast(NpgsqlDataSource db, Outbox outbox, FrequencyGuard guard, QuietHours quietHours,
    IOptions<GatewayOptions> gateway, IOptions<DeliveryOptions> delivery)
{
    private const string CountSql = $"""
        WITH {BroadcastAudience.JudgedSql}
        SELECT language, verdict, count(*) AS subscribers FROM judged GROUP BY language, verdict
        """;

    private sealed record Row(string Language, string Verdict, long Subscribers);

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

        var price = delivery.Value.PricePerSegment;
        var languages = texts.Select(t =>
        {
            var recipients = Count("allowed", t.Language) + Count("deferred", t.Language);
            return new LanguagePreview(t, recipients, recipients * t.Prepared.Cost);
        }).ToList();
        var segments = languages.Sum(l => l.Recipients * l.Text.Prepared.Segments);
        var rate = delivery.Value.RatePerSecond;

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
        if (rate > 0 && segments / rate > delivery.Value.Validity.TotalSeconds)
            warnings.Add(new PreviewWarning(PreviewWarning.SlowerThanValidity, null,
                $"at SMS_RATE_PER_SECOND={rate} sending takes longer than SMS_VALIDITY ({delivery.Value.Validity}); messages still queued then expire", [], null));

        IReadOnlyList<DateTimeOffset> next = draft.Repeat is null ? []
            : ValidateBroadcast.ParseCron(draft.Repeat).GetOccurrences(draft.SendAt, draft.SendAt.AddDays(400), zone, fromInclusive: true)
                .Take(3).Select(o => o.ToUniversalTime()).ToList();
        return new BroadcastPreview(plannedAt, due, due > plannedAt, rows.Sum(r => r.Subscribers),
            languages.Sum(l => l.Recipients), Count("deferred"), Count("skipped_opted_out"), Count("skipped_invalid_number"), Count("same_text"),
            languages, segments, price, languages.Sum(l => l.Cost), rate > 0 ? TimeSpan.FromSeconds(Math.Ceiling(segments / rate)) : null, warnings, next);
    }
}
