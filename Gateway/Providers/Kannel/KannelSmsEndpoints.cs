using Microsoft.AspNetCore.Http.HttpResults;
using Gateway.Delivery;
using Gateway.Hosting;
using Gateway.Inbound;
using Gateway.Phones;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Providers.Kannel;

/// <summary>
/// Residents' messages through Kannel: smsbox's sms-service calls the get-url operators copy into kannel.conf,
/// <code>
/// GET /webhooks/kannel/sms?token=&lt;KANNEL_CALLBACK_TOKEN&gt;&amp;from=%p&amp;to=%P&amp;text=%a&amp;ts=%T&amp;id=%I&amp;coding=%c&amp;charset=%C
/// </code>
/// and the message goes through the same <see cref="InboundPipeline"/> as Twilio's webhook. The answer is an empty 200:
/// with max-messages = 0 Kannel sends nothing back, so the reply is queued as an outbound message (kind 'reply', or
/// 'opt_out_confirmation' after STOP) that goes back through Kannel when a route sends through it. Kannel's %I with
/// the sender is the message's id: a request Kannel repeats (http-request-retry) is one message with one reply.
/// Without the token: 403 and nothing stored. The message is taken by <see cref="InboundIntake"/>, as Twilio's are: with
/// the database away it is kept in the inbound spool (200, nothing to send now) and replayed when the database is
/// back, its reply then queued by the replay under the same key; when neither can take it, 503, so that a Kannel told
/// to retry (http-request-retry) tries again.
/// </summary>
public static class KannelSmsEndpoints
{
    /// <summary>A get-url query is a few hundred bytes; a 160-character UCS-2 text URL-encoded is under 2 KB.</summary>
    public const int MaxQueryLength = 8 * 1024;

    public static void MapKannelSms(this IEndpointRouteBuilder app) =>
        app.MapGet(KannelIncomingSms.Path, ReceiveSms)
            .KeepsResidentsText()    // a UCS-2 text arrives as raw UTF-16BE bytes, %00 in every Latin character
            .TimedAsWebhook("kannel_sms")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveSms(HttpRequest request, InboundIntake intake, Outbox outbox, NpgsqlDataSource db,
        IOptions<KannelOptions> kannel, IOptions<GatewayOptions> gateway, TimeProvider clock,
        ILoggerFactory logs, CancellationToken ct)
    {
        var query = request.QueryString.Value ?? "";
        if (query.Length > MaxQueryLength)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: $"the query is longer than {MaxQueryLength} characters");
        KannelIncomingSms sms;
        switch (KannelIncomingSms.Parse(query, kannel.Value.CallbackToken))
        {
            case KannelMoRequest.Refused refused:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: refused.Reason);
            case KannelMoRequest.Invalid invalid:
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: invalid.Reason);
            case KannelMoRequest.Parsed parsed:
                sms = parsed.Sms;
                break;
            default:
                throw new InvalidOperationException("unknown KannelMoRequest");
        }
        // The SMSC delivered it: a number libphonenumber does not know yet is still a resident's.
        var from = Phone.NormaliseSender(sms.From, gateway.Value.DefaultRegion);
        if (!from.IsValid)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: $"from: {from.Error}");

        var message = new InboundMessage(KannelSmsProvider.ProviderName, MessageId(sms.KannelId, from.E164!), from.E164!,
            InboundReader.Storable(sms.To), sms.Text, clock.GetUtcNow());
        try
        {
            var answer = await intake.TakeAsync(message, ct);   // the spool when the database is unreachable
            if (answer.Reply is not null)
                await QueueReplyAsync(db, outbox, message, answer);
        }
        catch (Exception e) when (InboundIntake.IsDatabaseUnavailable(e))
        {
            // Handled, but the reply could not be queued: Kannel's retry finds the message handled and queues it then.
            logs.CreateLogger(typeof(KannelSmsEndpoints)).LogWarning("Kannel message {Id} from {From}: handled, but its reply could not be queued ({Error}); answered 503",
                LogSanitiser.Clean(sms.KannelId), Phone.Mask(from.E164), e.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                detail: "the database went away before the reply could be queued: try again");
        }
        // Whatever the body says would go to the phone if max-messages were not 0: say nothing.
        return TypedResults.Text("", "text/plain; charset=utf-8");
    }

    /// <summary>Kannel's id (%I) with the sender: the same request repeated is found as one message.</summary>
    public static string MessageId(string kannelId, string from) => $"{kannelId}/{from}";

    // The reply of a repeated request is queued again under the same key, so it exists once, even when the first request
    // stored the message but could not queue its reply.
    private static async Task QueueReplyAsync(NpgsqlDataSource db, Outbox outbox, InboundMessage message, InboundAnswer answer)
    {
        var optOut = answer.Intent == InboundDecision.NameOf(Intent.OptOutAll);
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await outbox.EnqueueAsync(conn, null, new OutboundMessage(message.From, answer.Reply!,
            optOut ? MessageKinds.OptOutConfirmation : MessageKinds.Reply, MessagePriority.Critical)
        {
            DedupeKey = InboundSpoolReplay.ReplyKey(message),
            Provider = KannelSmsProvider.ProviderName,
        }, CancellationToken.None);
    }
}
