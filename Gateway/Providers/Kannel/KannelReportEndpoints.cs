using Gateway.Inbound;
using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Delivery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Providers.Kannel;

/// <summary>
/// Kannel's delivery reports for the messages we send: smsbox fetches the dlr-url <see cref="KannelSmsProvider"/>
/// set on the message, with Kannel's fields filled in. As it arrived from Kannel 1.4.5 and its fake SMSC:
/// <code>
/// GET /webhooks/kannel/dlr?token=…&amp;id=42&amp;ref=3f9c0a1b2c3d&amp;status=8&amp;answer=ACK%2F&amp;ts=1796225253
/// GET /webhooks/kannel/dlr?token=…&amp;id=42&amp;ref=3f9c0a1b2c3d&amp;status=1&amp;answer=&amp;ts=1796225253
/// </code>
/// Reports come late, twice, and out of order (type 1 often before type 8); each is applied at most once, by the same
/// <see cref="RecordDeliveryReport"/> as Twilio's, and never moves a message backwards. Kannel does not read the answer.
/// </summary>
public static partial class KannelReportEndpoints
{
    public static void MapKannel(this IEndpointRouteBuilder app) =>
        app.MapGet(KannelSmsProvider.ReportPath, ReceiveReport)
            .TimedAsWebhook("kannel_report")
            .AddEndpointFilter<KannelCallbackTokenFilter>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<Results<NoContent, ProblemHttpResult>> ReceiveReport(HttpRequest request, RecordDeliveryReport reports,
        ILoggerFactory logs, CancellationToken ct)
    {
        var query = request.Query;
        if (!long.TryParse(query["id"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            return Problem("id: must be our message id, a positive integer");
        var handOff = query["ref"].ToString();
        if (!HandOffPattern().IsMatch(handOff))
            return Problem("ref: must be the hand-off ref the gateway put into the dlr-url (1-32 letters and digits)");
        var status = query["status"].ToString();
        if (!int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var type) || type is < 1 or > 255)
            return Problem($"status: '{status}' must be Kannel's report type (%d): 1, 2, 4, 8 or 16");
        var ts = query["ts"].ToString();
        if (ts.Length > 0 && !long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return Problem($"ts: '{ts}' must be Unix time in seconds (%T)");
        var answer = query["answer"].ToString();
        if (answer.Length > MaxAnswerLength)
            return Problem($"answer: at most {MaxAnswerLength} characters");

        var report = KannelReports.ToReport($"{id}.{handOff}", id, type, answer);
        if (report is null)
            return Problem($"status: {type} carries none of Kannel's report types 1, 2, 4, 8 or 16");

        var result = await reports.HandleAsync(report, ct);
        logs.CreateLogger(typeof(KannelReportEndpoints)).LogDebug("Kannel report {Type} for message {Id} at {Ts}: {Result}", type, id, ts, result);
        return TypedResults.NoContent();
    }

    // The SMSC's answer quotes the start of the message: long enough for any SMPP receipt, short enough to refuse junk.
    private const int MaxAnswerLength = 1024;

    private static ProblemHttpResult Problem(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: detail);

    [GeneratedRegex("^[0-9a-z]{1,32}$")]
    private static partial Regex HandOffPattern();
}
