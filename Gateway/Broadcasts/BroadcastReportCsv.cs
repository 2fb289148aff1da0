using System.Globalization;
using System.Text;
using Gateway.Delivery;
using Gateway.Phones;
using Npgsql;

namespace Gateway.Broadcasts;

/// <summary>
/// A broadcast's delivery report as CSV (RFC 4180), written to the response as the rows come from the database
/// (<see cref="BroadcastMessages.StreamAsync"/>), flushed every <see cref="FlushEvery"/> rows: a million rows go out in
/// chunks, never gathered in memory. Times in TIME_ZONE (ISO 8601 with the offset).
/// </summary>
public static class BroadcastReportCsv
{
    private const int FlushEvery = 2_000;

    public const string ReportHeader = "phone,language,status,error_code,sent_at,delivered_at";

    public const string NotReachedHeader = "phone,language,status,error_code,sent_at";

    /// <summary>Every message, numbers masked (+86138****5678): for anyone signed in.</summary>
    public static Task WriteReportAsync(Stream body, NpgsqlConnection conn, IReadOnlyList<long> occurrences, TimeZoneInfo zone, CancellationToken ct) =>
        WriteAsync(body, ReportHeader, BroadcastMessages.StreamAsync(conn, occurrences, [], ct),
            m => [Phone.Mask(m.Recipient), m.Language ?? "", m.Status, Cell(m.ErrorCode), Time(m.SentAt, zone), Time(m.DeliveredAt, zone)], ct);

    /// <summary>The residents it did not reach (<see cref="BroadcastMessages.NotReached"/>) with full numbers, for a district office to call: admins only, audited.</summary>
    public static Task WriteNotReachedAsync(Stream body, NpgsqlConnection conn, IReadOnlyList<long> occurrences, TimeZoneInfo zone, CancellationToken ct) =>
        WriteAsync(body, NotReachedHeader, BroadcastMessages.StreamAsync(conn, occurrences, BroadcastMessages.NotReached, ct),
            m => [m.Recipient, m.Language ?? "", m.Status, Cell(m.ErrorCode), Time(m.SentAt, zone)], ct);

    private static async Task WriteAsync(Stream body, string header, IAsyncEnumerable<BroadcastMessage> rows, Func<BroadcastMessage, string[]> cells,
        CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024) { NewLine = "\r\n" };
        await writer.WriteLineAsync(header);
        // Out at once: the download starts before the first row is read, and never waits for the whole report.
        await writer.FlushAsync(ct);
        var written = 0;
        await foreach (var row in rows.WithCancellation(ct))
        {
            await writer.WriteLineAsync(string.Join(',', cells(row).Select(Quote)));
            if (++written % FlushEvery == 0) await writer.FlushAsync(ct);
        }
        await writer.FlushAsync(ct);
    }

    private static string Time(DateTime? utc, TimeZoneInfo zone) => utc is { } t
        ? TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)), zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)
        : "";

    /// <summary>A provider's text opened in a spreadsheet must not run as a formula: one that starts like one gets a leading quote.</summary>
    private static string Cell(string? value) => value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value ?? "";

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
