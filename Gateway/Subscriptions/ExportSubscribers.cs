using CsvHelper;
using Dapper;
using Gateway.Phones;
using Npgsql;

namespace Gateway.Subscriptions;

/// <summary>Which residents an export takes: each filter null (or empty) for no condition.</summary>
public sealed record ExportFilter(string? Status, string? Topic, IReadOnlyList<string> Regions, string? Language);

/// <summary>
/// Residents and consent records as CSV, streamed from the database to the response row by row (an unbuffered
/// query into CsvHelper's writer): never built in memory, whatever the size. UTF-8 with a byte order mark, so that
/// spreadsheets read Chinese right; a file exported with full numbers can be imported again as it is. Numbers are in
/// full only when <c>fullNumbers</c> (admins), masked otherwise (+86138****5678). Free text that a spreadsheet would
/// run as a formula (=, +, -, @ first) is written with a ' before it.
/// </summary>
public sealed class ExportSubscribers(NpgsqlDataSource db)
{
    public static readonly string[] SubscriberColumns = ["phone", "status", "language", "region", "topics", "created_at", "opted_out_at"];

    public static readonly string[] ConsentColumns = ["phone", "occurred_at", "action", "scope", "channel", "keyword", "source", "consent_text", "recorded_by"];

    private const string SubscribersSql = """
        SELECT s.phone, s.status, s.language, s.region,
               array_to_string(ARRAY(SELECT t.topic FROM subscriptions t WHERE t.subscriber_id = s.id ORDER BY t.topic), ';') AS topics,
               s.created_at, s.opted_out_at
          FROM subscribers s
         WHERE (@Status::text IS NULL OR s.status = @Status)
           AND (@Language::text IS NULL OR s.language = @Language)
           AND (cardinality(@Regions::text[]) = 0 OR s.region = ANY(@Regions))
           AND (@Topic::text IS NULL OR EXISTS (SELECT FROM subscriptions t WHERE t.subscriber_id = s.id AND t.topic = @Topic))
         ORDER BY s.id
        """;

    private sealed record SubscriberRow(string Phone, string Status, string Language, string? Region, string Topics, DateTime CreatedAt, DateTime? OptedOutAt);

    public async Task WriteSubscribersAsync(Stream output, ExportFilter filter, bool fullNumbers, CancellationToken ct)
    {
        await using var csv = Writer(output);
        csv.WriteHeader(SubscriberColumns);
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = conn.QueryUnbufferedAsync<SubscriberRow>(SubscribersSql, new
        {
            filter.Status,
            filter.Language,
            filter.Topic,
            Regions = filter.Regions.ToArray(),
        });
        await foreach (var r in rows.WithCancellation(ct))
            await csv.WriteRecordAsync([fullNumbers ? r.Phone : Phone.Mask(r.Phone), r.Status, r.Language, Safe(r.Region), r.Topics,
                Utc(r.CreatedAt), Utc(r.OptedOutAt)], ct);
        await csv.FlushAsync(ct);
    }

    // By phone_hash, as the ledger outlives a deleted subscriber.
    private const string ConsentSql = """
        SELECT occurred_at, action, scope, channel, keyword, source, consent_text, recorded_by
          FROM consent_events
         WHERE phone_hash = @PhoneHash
         ORDER BY occurred_at, id
        """;

    private sealed record ConsentRow(DateTime OccurredAt, string Action, string Scope, string Channel, string? Keyword, string? Source,
        string? ConsentText, string? RecordedBy);

    public async Task WriteConsentAsync(Stream output, string phone, bool fullNumbers, CancellationToken ct)
    {
        await using var csv = Writer(output);
        csv.WriteHeader(ConsentColumns);
        await using var conn = await db.OpenConnectionAsync(ct);
        var shown = fullNumbers ? phone : Phone.Mask(phone);
        await foreach (var r in conn.QueryUnbufferedAsync<ConsentRow>(ConsentSql, new { PhoneHash = Subscribers.PhoneHash(phone) }).WithCancellation(ct))
            await csv.WriteRecordAsync([shown, Utc(r.OccurredAt), r.Action, r.Scope, r.Channel, Safe(r.Keyword), Safe(r.Source), Safe(r.ConsentText),
                Safe(r.RecordedBy)], ct);
        await csv.FlushAsync(ct);
    }

    private static CsvWriter Writer(Stream output) => CsvWriter.Create(output, new CsvWriterOptions { WriteByteOrderMark = true }, leaveOpen: true);

    private static string Utc(DateTime? at) => at is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "";

    /// <summary>Text from residents or lists, made inert for spreadsheets (OWASP's CSV injection advice).</summary>
    private static string? Safe(string? text) => text is { Length: > 0 } && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
