using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Gateway.Delivery;
using Gateway.Delivery.Encoding;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Providers.Kannel;

/// <summary>
/// Sends through Kannel's smsbox (its sendsms HTTP interface), which passes the message to the operator over SMPP
/// (or CIMD, EMI/UCP). Text goes as UTF-8 with coding 0 (GSM-7) or 2 (UCS-2); Kannel splits long texts into parts
/// (its sendsms-user must allow them: max-messages, concatenation). Kannel's answer carries no message id, so each
/// hand-off gets one here, "&lt;our id&gt;.&lt;hand-off ref&gt;", and its dlr-url carries both halves:
/// PUBLIC_BASE_URL/webhooks/kannel/dlr?token=…&amp;id=&lt;our id&gt;&amp;ref=&lt;ref&gt;&amp;status=%d&amp;answer=%A&amp;ts=%T.
/// The ref keeps a late report of an earlier hand-off of the same row from settling a later one.
/// </summary>
public sealed class KannelSmsProvider(IHttpClientFactory http, IOptions<KannelOptions> kannel, IOptions<GatewayOptions> gateway,
    NpgsqlDataSource db, TimeProvider clock, ILogger<KannelSmsProvider> log) : ISmsProvider
{
    public const string ProviderName = "kannel";
    public const string HttpClientName = "kannel";
    public const string ReportPath = "/webhooks/kannel/dlr";

    public string Name => ProviderName;

    public string Sender => kannel.Value.From ?? "";

    /// <summary>A sendsms request is given up after KANNEL_REQUEST_TIMEOUT.</summary>
    public TimeSpan HandOffTimeout => kannel.Value.RequestTimeout;

    public async Task<SendOutcome> SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        var handOff = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var providerMessageId = $"{sms.MessageId}.{handOff}";
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(SendSmsUri(sms, handOff), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var outcome = KannelAnswers.FromSendSms(response.StatusCode, body, providerMessageId);
            if (outcome is SendOutcome.Accepted && body.StartsWith(KannelAnswers.Queued, StringComparison.Ordinal))
                log.LogWarning("Kannel queued message {Id} for later delivery: none of its SMSC links is up", sms.MessageId);
            return outcome;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException)
        {
            return TransportFailure.ToOutcome("Kannel", e);
        }
    }

    /// <summary>
    /// The sendsms request. Every value is escaped, '+' included: a bare '+' in `to` is a space to Kannel, which
    /// reads space-separated numbers as several recipients.
    /// </summary>
    internal Uri SendSmsUri(OutgoingSms sms, string handOff)
    {
        var o = kannel.Value;
        var query = new StringBuilder();
        void Add(string name, string value) =>
            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        Add("username", o.Username ?? "");
        Add("password", o.Password ?? "");
        Add("from", o.From ?? "");
        Add("to", sms.To);
        Add("text", sms.Body);
        // Kannel converts the UTF-8 text to the coding asked for: GSM-7 (0) or UCS-2 (2). Without charset, coding 2
        // would read the UTF-8 bytes as UTF-16 (garbage on the phone), and CJK with coding 0 would become '?'.
        Add("coding", sms.Encoding == SmsEncoding.Ucs2 ? "2" : "0");
        Add("charset", "UTF-8");
        Add("dlr-mask", KannelReports.Mask.ToString(CultureInfo.InvariantCulture));
        Add("dlr-url", ReportUrl(sms.MessageId, handOff));
        // The SMSC drops what it could not deliver within the message's remaining validity, in whole minutes.
        if (sms.ExpiresAt is { } expiresAt)
            Add("validity", ((int)Math.Max(1, Math.Ceiling((expiresAt - clock.GetUtcNow()).TotalMinutes))).ToString(CultureInfo.InvariantCulture));
        return new Uri(o.SendSmsUrl + query);
    }

    // Kannel fills in %d (report type), %A (the SMSC's answer) and %T (Unix time) before it calls this URL back.
    private string ReportUrl(long messageId, string handOff) =>
        $"{gateway.Value.PublicBaseUrl.TrimEnd('/')}{ReportPath}?{KannelCallbackToken.QueryParameter}={kannel.Value.CallbackToken}"
        + $"&id={messageId}&ref={handOff}&status=%d&answer=%A&ts=%T";

    // Reports that came while the row was still being recorded wait in delivery_reports, unapplied.
    private const string FindReportSql = """
        SELECT provider_message_id
          FROM delivery_reports
         WHERE applied_at IS NULL AND received_at >= @Since AND provider = @Provider AND message_id = @MessageId
         ORDER BY id
         LIMIT 1
        """;

    /// <summary>
    /// Kannel cannot be asked about a message, but every message it hands to an SMSC is reported (type 8 accepted or
    /// 16 rejected at least, as <see cref="KannelReports.Mask"/> asks), and a report names our id. A report that came
    /// while the row was being recorded is waiting in delivery_reports: then Kannel has the message. Otherwise,
    /// after reconciliation's grace, it never reached an SMSC: not found. (A message Kannel holds for a link that
    /// stays down longer than the grace is the one case this gets wrong; it would then go out twice.)
    /// </summary>
    public async Task<LookupOutcome> FindAsync(OutgoingSms sms, DateTimeOffset since, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var id = await conn.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(FindReportSql,
            new { Since = since, Provider = ProviderName, sms.MessageId }, cancellationToken: ct));
        return id is null ? new LookupOutcome.NotFound() : new LookupOutcome.Found(id);
    }

    /// <summary>Opens a connection to smsbox with a harmless request (its root answers 404), so the first paced sends do not wait for one.</summary>
    public async Task WarmUpAsync(CancellationToken ct)
    {
        if (!Uri.TryCreate(kannel.Value.SendSmsUrl, UriKind.Absolute, out var sendsms)) return;
        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(new Uri(sendsms, "/"), ct);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException)
        {
            // Only a warm-up: a real problem shows on the first send, with its outcome.
        }
    }
}
