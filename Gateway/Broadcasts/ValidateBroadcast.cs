using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Gateway.Admin;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Hosting;
using Gateway.Templates;
using Microsoft.Extensions.Options;

namespace Gateway.Broadcasts;

/// <summary>
/// Checks a broadcast request and turns it into a <see cref="BroadcastDraft"/>, or a 422 naming the field and the
/// reason. Everything that could fail at send time fails here: unknown template or topic, a language with neither
/// its own text nor the DEFAULT_LANGUAGE text to fall back to, an over-long text, a cron that never fires, a region
/// outside the caller's (a district office addresses its own residents only; no region then means all of its own).
/// </summary>
public sealed partial class ValidateBroadcast(NoticeCatalog notices, TopicCatalog topics, IOptions<GatewayOptions> gateway, TimeProvider clock)
{
    public const int MaxTitleLength = 200;
    /// <summary>Twilio's advice for China: at most 8 UCS-2 segments (500 characters); the same cap for English.</summary>
    public const int MaxSegments = 8;
    public const int MaxRegionLength = 64;
    /// <summary>A sendAt this far in the past is taken as "now" (clock skew, a slow form); further back is an error.</summary>
    public static readonly TimeSpan PastGrace = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);
    /// <summary>A recurring broadcast may fire at most once an hour; the frequency guard would hold back the rest anyway.</summary>
    public static readonly TimeSpan MinRepeatInterval = TimeSpan.FromHours(1);

    /// <summary>The draft, or every problem found (at most one per field, in the order of the request's fields).</summary>
    public sealed record Outcome(BroadcastDraft? Draft, IReadOnlyList<BroadcastProblem> Problems)
    {
        /// <summary>The first problem (the console shows one at a time), or null.</summary>
        public BroadcastProblem? Problem => Problems.Count == 0 ? null : Problems[0];

        /// <summary>The problems as the API reports them (422, every field at once).</summary>
        public IReadOnlyCollection<FieldProblem> FieldProblems => Problems.Select(p => new FieldProblem(p.Field, p.Detail)).ToList();
    }

    public Outcome Check(BroadcastRequest request, RegionScope scope)
    {
        var options = gateway.Value;
        var now = clock.GetUtcNow();
        var problems = new List<BroadcastProblem>();
        // One problem per field: the first found for it.
        void Fail(string field, string key, string detail, params object[] args)
        {
            if (problems.All(p => p.Field != field)) problems.Add(new BroadcastProblem(field, key, detail, args));
        }

        var title = request.Title?.Trim();
        if (string.IsNullOrEmpty(title)) Fail("title", "title_required", "title: required");
        else if (title.Length > MaxTitleLength) Fail("title", "title_too_long", $"title: {title.Length} characters; at most {MaxTitleLength}", title.Length, MaxTitleLength);

        // Content: given per language, or a notice from templates/notices by key.
        Dictionary<string, string>? content = null;
        string? templateKey = null;
        string? noticeTopic = null;
        if (request.Content is not null && request.Template is not null)
            Fail("content", "content_and_template", "content: give either content or template, not both");
        else if (request.Template is not null)
        {
            var notice = notices.Find(request.Template.Trim());
            if (notice is null)
                Fail("template", "unknown_template", $"template: no notice '{request.Template}' in templates/notices (known: {string.Join(", ", notices.Notices.Select(n => n.Key))})", request.Template);
            else
            {
                templateKey = notice.Key;
                noticeTopic = notice.Topic;
                content = new Dictionary<string, string> { ["zh"] = notice.Zh, ["en"] = notice.En };
            }
        }
        else if (request.Content is { Count: > 0 })
        {
            content = [];
            foreach (var (language, text) in request.Content)
            {
                if (!GatewayOptions.Languages.Contains(language))
                {
                    Fail("content", "unknown_content_language", $"content.{language}: unknown language; use {string.Join(" or ", GatewayOptions.Languages)}", language);
                    continue;
                }
                if (string.IsNullOrWhiteSpace(text))
                {
                    Fail($"content.{language}", "text_empty", $"content.{language}: empty; leave the language out to use the {options.DefaultLanguage} text instead");
                    continue;
                }
                var trimmed = text.Trim();
                if (trimmed.Length > Outbox.MaxBodyLength)
                {
                    Fail($"content.{language}", "text_too_long", $"content.{language}: {trimmed.Length} characters; an SMS can carry at most {Outbox.MaxBodyLength}", trimmed.Length, Outbox.MaxBodyLength);
                    continue;
                }
                var measured = SegmentCalculator.Measure(SmartEncoding.Apply(trimmed));
                if (measured.Segments > MaxSegments)
                    Fail($"content.{language}", "text_too_many_segments", $"content.{language}: {measured.Segments} SMS segments ({measured.Encoding.Label()}); at most {MaxSegments}", measured.Segments, MaxSegments);
                content[language] = trimmed;
            }
        }
        else
        {
            Fail("content", "content_required", "content: required (texts per language, e.g. {\"zh\": \"…\", \"en\": \"…\"}), or a template key");
        }

        // Audience.
        var audience = request.Audience ?? new AudienceRequest(null, null, null);
        if (request.Audience is null && templateKey is null && request.Template is null)
            Fail("audience", "audience_required", "audience: required; {} sends to every subscriber of any topic");
        var topicKeys = Distinct(audience.Topics);
        foreach (var key in topicKeys)
            if (topics.Find(key) is null)
                Fail("audience.topics", "unknown_topic", $"audience.topics: unknown topic '{key}' (known: {string.Join(", ", topics.All.Select(t => t.Key))})", key);
        if (topicKeys.Length == 0 && noticeTopic is not null) topicKeys = [noticeTopic];
        var regions = Distinct(audience.Regions);
        foreach (var region in regions)
            if (region.Length > MaxRegionLength)
                Fail("audience.regions", "region_too_long", $"audience.regions: '{region[..20]}…' is longer than {MaxRegionLength} characters", MaxRegionLength);
        if (scope.Limit(regions) is { } allowed)
            regions = allowed.ToArray();
        else
        {
            var outside = string.Join(", ", regions.Where(r => !scope.Includes(r)).Select(r => $"'{r}'"));
            Fail("audience.regions", "regions_outside", $"audience.regions: {outside} outside your regions ({string.Join(", ", scope.Regions)}); " +
                "you may address only residents of your regions", outside, string.Join(", ", scope.Regions));
        }
        var languages = Distinct(audience.Languages);
        foreach (var language in languages)
            if (!GatewayOptions.Languages.Contains(language))
                Fail("audience.languages", "unknown_language", $"audience.languages: unknown language '{language}'; use {string.Join(" or ", GatewayOptions.Languages)}", language);
        if (audience.Topics?.Any(string.IsNullOrWhiteSpace) == true || audience.Regions?.Any(string.IsNullOrWhiteSpace) == true
            || audience.Languages?.Any(string.IsNullOrWhiteSpace) == true)
            Fail("audience", "audience_empty_entry", "audience: lists must not contain empty strings");

        // Every language that can receive it needs its own text or the DEFAULT_LANGUAGE text to fall back to (once the
        // texts themselves are good: a text refused above is reported for what it is).
        if (content is not null && problems.All(p => !p.Field.StartsWith("content", StringComparison.Ordinal)))
            foreach (var language in languages.Length > 0 ? languages.Where(GatewayOptions.Languages.Contains) : GatewayOptions.Languages)
                if (!content.ContainsKey(language) && !content.ContainsKey(options.DefaultLanguage))
                    Fail($"content.{language}", "text_missing", $"content.{language}: missing, and there is no {options.DefaultLanguage} text (DEFAULT_LANGUAGE) to fall back to; add a {language} text or restrict audience.languages");

        // When.
        var sendAt = now;
        if (!string.IsNullOrWhiteSpace(request.SendAt))
        {
            var (parsed, problem) = ReadSendAt(request.SendAt.Trim(), options.CityTimeZone);
            if (problem is not null) problems.Add(problem);
            else if (parsed!.Value < now - PastGrace)
                Fail("sendAt", "send_at_past", $"sendAt: {request.SendAt} is in the past (now is {TimeZoneInfo.ConvertTime(now, options.CityTimeZone):yyyy-MM-dd'T'HH:mm:ssK})");
            else if (parsed.Value > now + MaxAhead)
                Fail("sendAt", "send_at_too_far", "sendAt: more than a year ahead");
            else if (parsed.Value > now)
                sendAt = parsed.Value;
        }

        string? repeat = null;
        if (request.Repeat is not null)
        {
            repeat = Regex.Replace(request.Repeat.Trim(), @"\s+", " ");
            if (CheckCron(repeat, sendAt, options.CityTimeZone) is { } problem) problems.Add(problem);
        }

        return problems.Count > 0
            ? new Outcome(null, problems)
            : new Outcome(new BroadcastDraft(title!, content!, templateKey, topicKeys, regions, languages, sendAt, repeat, request.Urgent ?? false), []);
    }

    /// <summary>The occurrences of a cron in the city zone, as Hangfire computes them (both use Cronos).</summary>
    public static CronExpression ParseCron(string cron) => CronExpression.Parse(cron, CronFormat.Standard);

    private static BroadcastProblem? CheckCron(string cron, DateTimeOffset from, TimeZoneInfo zone)
    {
        if (cron.Split(' ').Length != 5)
            return new("repeat", "repeat_fields", "repeat: must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. \"0 8 * * *\" for 08:00 every day");
        CronExpression expression;
        try
        {
            expression = ParseCron(cron);
        }
        catch (CronFormatException e)
        {
            return new("repeat", "repeat_invalid", $"repeat: '{cron}' is not a valid cron expression: {e.Message}", cron);
        }
        var next = expression.GetOccurrences(from, from.AddDays(400), zone).Take(50).ToList();
        if (next.Count == 0)
            return new("repeat", "repeat_never", $"repeat: '{cron}' never fires", cron);
        for (var i = 1; i < next.Count; i++)
            if (next[i] - next[i - 1] < MinRepeatInterval)
                return new("repeat", "repeat_too_often", $"repeat: '{cron}' fires more often than once an hour", cron);
        return null;
    }

    private static (DateTimeOffset? At, BroadcastProblem? Problem) ReadSendAt(string value, TimeZoneInfo zone)
    {
        var unreadable = new BroadcastProblem("sendAt", "send_at_unreadable",
            $"sendAt: '{value}' is not an ISO-8601 date and time, e.g. 2026-03-02T08:00 (city time) or 2026-03-02T08:00+08:00", value);
        if (HasOffset().IsMatch(value))
        {
            return DateTimeOffset.TryParseExact(value, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset)
                ? (withOffset.ToUniversalTime(), null)
                : (null, unreadable);
        }
        if (!DateTime.TryParseExact(value, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return (null, unreadable);
        if (zone.IsInvalidTime(local))
            return (null, new("sendAt", "send_at_skipped", $"sendAt: {value} does not exist in {zone.Id} (the clocks jump over it)", value));
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return (new DateTimeOffset(local, offset).ToUniversalTime(), null);
    }

    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];
    private static readonly string[] OffsetFormats = ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    [GeneratedRegex(@"(Z|[+-]\d\d:?\d\d)$")]
    private static partial Regex HasOffset();

    private static string[] Distinct(string[]? values) =>
        (values ?? []).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).Distinct(StringComparer.Ordinal).ToArray();

}
