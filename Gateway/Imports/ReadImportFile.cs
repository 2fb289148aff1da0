using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using CsvHelper;
using Gateway.Admin;
using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Phones;
using Gateway.Subscriptions;
using Gateway.Templates;
using Microsoft.Extensions.Options;

namespace Gateway.Imports;

/// <summary>What reading a file found: data rows read (valid or not), and the invalid ones (the first
/// <see cref="ReadImportFile.MaxInvalidListed"/> listed, all counted).</summary>
public sealed record ImportFileSummary(int Rows, int InvalidCount, IReadOnlyList<InvalidRow> Invalid);

/// <summary>
/// Reads a list as it streams in (CsvHelper), row by row, never holding the file: UTF-8 with or without a byte order
/// mark (UTF-16 with one), columns separated by commas or tabs (decided from the header line), a header row naming
/// the columns in any order. Each valid row goes to the caller as an <see cref="ImportRow"/>; each invalid one is
/// counted and listed with its line and reason, and the rest of the file is read on. Columns (docs/imports.md):
/// <list type="bullet">
/// <item><c>phone</c> (required): any spelling (full-width digits, +86, 0086, spaces, dashes); DEFAULT_REGION for
/// numbers without a country code; it must be a valid number of its country.</item>
/// <item><c>language</c>: zh or en (中文, English, zh-CN … are understood); empty: DEFAULT_LANGUAGE.</item>
/// <item><c>region</c>: the district, as in the console; a person limited to districts may import only theirs.</item>
/// <item><c>topics</c>: keys, numbers or names, separated by <c>;</c>; empty: the default topic (notices).</item>
/// <item><c>source</c>: where the list came from (required with consent).</item>
/// <item><c>consent</c>: <c>explicit</c> with <c>consent_at</c> (a time, city time unless it has an offset) and
/// <c>consent_text</c> (what the person agreed to); or empty.</item>
/// </list>
/// </summary>
public sealed class ReadImportFile(TopicCatalog catalog, IOptions<GatewayOptions> options, TimeProvider clock)
{
    public const int MaxInvalidListed = 1_000;
    public const int MaxSourceLength = 200;
    public const int MaxConsentTextLength = 1_000;

    public static readonly string[] Columns = ["phone", "language", "region", "topics", "source", "consent", "consent_at", "consent_text"];

    /// <summary>The header line must come within this many bytes (it names at most eight columns).</summary>
    private const int HeaderLimitBytes = 64 * 1024;

    public async Task<ImportFileSummary> ReadAsync(Stream body, RegionScope scope, Func<ImportRow, ValueTask> onRow, CancellationToken ct)
    {
        var pipe = PipeReader.Create(body);
        var separator = await SeparatorAsync(pipe, ct);
        var invalid = new List<InvalidRow>();
        var invalidCount = 0;
        void Invalid(long line, string? value, string reason)
        {
            invalidCount++;
            if (invalid.Count < MaxInvalidListed)
                invalid.Add(new InvalidRow((int)line, Clip(value ?? ""), reason));
        }

        var rows = 0;
        await using var csv = CsvReader.Create(pipe.AsStream(), new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            TrackLineNumbers = true,
            // Quoting a line cannot close is that line's problem, not the rest of the file's.
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = bad =>
            {
                rows++;
                Invalid(bad.LineNumber, bad.RawRecord, "quotes do not pair up");
            },
            IncludeValuesInExceptions = false,
        });

        await csv.ReadHeaderAsync(ct);
        var index = HeaderIndex(csv.Headers);
        var topicsCache = new Dictionary<string, (string[]? Keys, string? Unknown)>(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        while (await csv.ReadAsync(ct))
        {
            rows++;
            var line = csv.LineNumber;
            if (csv.FieldCount != csv.Headers.Count)
            {
                Invalid(line, Raw(csv), $"{csv.FieldCount} fields where the header has {csv.Headers.Count}");
                continue;
            }
            string Field(string column) => index.TryGetValue(column, out var i) ? csv.GetString(i) : "";
            var problem = ReadRow(Field, scope, topicsCache, now, line, out var row);
            if (problem is { } p)
                Invalid(line, p.Value, p.Reason);
            else
                await onRow(row!);
        }
        return new ImportFileSummary(rows, invalidCount, invalid);
    }

    private (string Value, string Reason)? ReadRow(Func<string, string> field, RegionScope scope,
        Dictionary<string, (string[]? Keys, string? Unknown)> topicsCache, DateTimeOffset now, long line, out ImportRow? row)
    {
        row = null;
        foreach (var column in Columns)
            if (field(column).Contains('\uFFFD'))
                return (field(column), "not UTF-8 text: save the file as \"CSV UTF-8\"");

        var typed = field("phone");
        var phone = Phone.Normalise(typed, options.Value.DefaultRegion);
        if (!phone.IsValid)
            return (typed, phone.Error!);

        var languageTyped = field("language");
        if (LanguageOf(languageTyped) is not { } language)
            return (languageTyped, "language must be zh or en");

        var region = field("region") is { Length: > 0 } r ? InboundReader.Storable(r) : null;
        if (!scope.Includes(region))
            return (region ?? "", region is null
                ? $"region required: you may import only for {string.Join(", ", scope.Regions)}"
                : $"region is outside your regions ({string.Join(", ", scope.Regions)})");

        var topicsTyped = field("topics");
        if (!topicsCache.TryGetValue(topicsTyped, out var topics))
        {
            topics = Topics(topicsTyped);
            if (topicsCache.Count < 10_000) topicsCache[topicsTyped] = topics;
        }
        if (topics.Unknown is { } unknown)
            return (unknown, $"unknown topic; topics: {string.Join(", ", catalog.All.Select(t => t.Key))}");

        var source = field("source") is { Length: > 0 } s ? InboundReader.Storable(s) : null;
        if (source is { Length: > MaxSourceLength })
            return (source, $"source is longer than {MaxSourceLength} characters");

        var consent = field("consent");
        var consentAtTyped = field("consent_at");
        var consentText = field("consent_text") is { Length: > 0 } t ? InboundReader.Storable(t) : null;
        DateTimeOffset? consentAt = null;
        if (consent.Length == 0)
        {
            if (consentAtTyped.Length > 0 || consentText is not null)
                return (consentAtTyped.Length > 0 ? consentAtTyped : consentText!, "consent_at and consent_text need consent 'explicit'");
        }
        else if (!consent.Equals("explicit", StringComparison.OrdinalIgnoreCase))
            return (consent, "consent must be 'explicit' or empty");
        else
        {
            if (ParseTime(consentAtTyped) is not { } at)
                return (consentAtTyped, consentAtTyped.Length == 0 ? "consent_at required with explicit consent" : "consent_at is not a date and time (2026-03-01 09:30)");
            if (at > now + TimeSpan.FromMinutes(5))
                return (consentAtTyped, "consent_at is in the future");
            if (consentText is null)
                return ("", "consent_text required with explicit consent: what the person agreed to");
            if (consentText.Length > MaxConsentTextLength)
                return (consentText, $"consent_text is longer than {MaxConsentTextLength} characters");
            if (source is null)
                return ("", "source required with explicit consent: where the list came from");
            consentAt = at;
        }

        row = new ImportRow((int)line, phone.E164!, Subscribers.PhoneHash(phone.E164!), language, region, topics.Keys!, source, consentAt, consentText);
        return null;
    }

    /// <summary>zh or en from what a list may say: zh, ZH, zh-CN, zh-Hans, 中文, 汉语, Chinese; en, en-US, English, 英文, 英语.</summary>
    private string? LanguageOf(string typed)
    {
        var word = typed.Trim().ToLowerInvariant();
        if (word.Length == 0) return options.Value.DefaultLanguage;
        if (word is "zh" or "chinese" or "中文" or "汉语" or "普通话" || word.StartsWith("zh-", StringComparison.Ordinal) || word.StartsWith("zh_", StringComparison.Ordinal))
            return "zh";
        if (word is "en" or "english" or "英文" or "英语" || word.StartsWith("en-", StringComparison.Ordinal) || word.StartsWith("en_", StringComparison.Ordinal))
            return "en";
        return null;
    }

    /// <summary>Topic keys in the catalog's order, or the first word that names no topic.</summary>
    private (string[]? Keys, string? Unknown) Topics(string typed)
    {
        var words = typed.Split([';', '；'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return ([TopicCatalog.DefaultTopicKey], null);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            if (catalog.Resolve(word) is not { } topic) return (null, word);
            keys.Add(topic.Key);
        }
        return (catalog.All.Where(t => keys.Contains(t.Key)).Select(t => t.Key).ToArray(), null);
    }

    private static readonly string[] OffsetFormats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];
    private static readonly string[] LocalFormats = ["yyyy-MM-dd", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy/M/d", "yyyy/M/d H:mm", "yyyy/M/d H:mm:ss"];

    /// <summary>An ISO time with an offset or Z, or a city time (TIME_ZONE) as spreadsheets write it.</summary>
    private DateTimeOffset? ParseTime(string typed)
    {
        if (typed.Length == 0) return null;
        if (typed.Length > 10 && (typed.EndsWith('Z') || typed[^6] is '+' or '-')
            && DateTimeOffset.TryParseExact(typed, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var withOffset))
            return withOffset;
        if (!DateTime.TryParseExact(typed, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return null;
        var zone = options.Value.CityTimeZone;
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>Comma or tab, whichever the header line has (topics use ';', so CsvHelper's own guess could pick that).</summary>
    private static async Task<char> SeparatorAsync(PipeReader pipe, CancellationToken ct)
    {
        while (true)
        {
            var read = await pipe.ReadAsync(ct);
            var buffer = read.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is not null || read.IsCompleted || buffer.Length >= HeaderLimitBytes)
            {
                var header = (newline is { } end ? buffer.Slice(0, end) : buffer.Slice(0, Math.Min(buffer.Length, HeaderLimitBytes))).ToArray();
                pipe.AdvanceTo(buffer.Start);   // nothing consumed: CsvHelper reads the header again
                if (header.Length == 0 && read.IsCompleted)
                    throw new ImportFileProblem("the file is empty: the first line must name the columns (phone, language, region, topics, source, consent, consent_at, consent_text)");
                var tabs = header.Count(b => b == (byte)'\t');
                var commas = header.Count(b => b == (byte)',');
                // UTF-16 files have a zero byte beside every ASCII one; counting the bytes still finds their separator.
                return tabs > commas ? '\t' : ',';
            }
            pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The header of a list only (its separator and columns), for a request refused anyway, so that the refusal
    /// also names what is wrong with the file; the rows are not read.</summary>
    public static async Task CheckHeaderAsync(Stream body, CancellationToken ct)
    {
        var pipe = PipeReader.Create(body);
        var separator = await SeparatorAsync(pipe, ct);
        await using var csv = CsvReader.Create(pipe.AsStream(), new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = true,
            TrimWhitespace = true,
            AllowLineBreaksInQuotes = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            IncludeValuesInExceptions = false,
        });
        await csv.ReadHeaderAsync(ct);
        HeaderIndex(csv.Headers);
    }

    /// <summary>Every column's index by name; every problem of the header at once, as one <see cref="ImportFileProblem"/>.</summary>
    private static Dictionary<string, int> HeaderIndex(IReadOnlyList<string> headers)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers[i].Trim().TrimStart('\uFEFF').Trim().ToLowerInvariant().Replace(' ', '_');
            if (name.Length == 0 && i == headers.Count - 1) continue;   // a trailing separator on the header line
            if (!Columns.Contains(name))
                problems.Add($"unknown column '{Clip(headers[i])}' in the header (line 1); the columns are: {string.Join(", ", Columns)}");
            else if (!index.TryAdd(name, i) && !problems.Contains(Twice(name)))
                problems.Add(Twice(name));
        }
        if (!index.ContainsKey("phone"))
            problems.Add($"the header (line 1) has no 'phone' column; the columns are: {string.Join(", ", Columns)}");
        return problems.Count == 0 ? index : throw new ImportFileProblem(problems);
    }

    private static string Twice(string column) => $"column '{column}' appears twice in the header (line 1)";

    private static string Raw(CsvReader csv) => System.Text.Encoding.UTF8.GetString(csv.RawRecord);

    private static string Clip(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
