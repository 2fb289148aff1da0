using System.Net.Sockets;
using Gateway.Hosting;
using Gateway.Phones;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// Where a provider's endpoint hands a signed inbound message (Twilio's SMS webhook; Kannel's MO when it has one;
/// USSD steps excepted, since a session cannot wait): the pipeline when the database answers, else the spool.
/// <list type="bullet">
/// <item>While messages wait in the spool, a new one joins the end of it, so none overtakes an older one.</item>
/// <item>The pipeline is given <see cref="DatabaseWait"/>; when the database cannot be reached (connection refused,
/// reset, timed out, shutting down: <see cref="IsDatabaseUnavailable"/>) the message goes to the spool, flushed to
/// disk, and the provider gets an empty answer (200): the reply, if any, is queued when it is replayed.</item>
/// <item>Anything else (a bug, a value PostgreSQL refuses) is not the database being away and fails as before.</item>
/// <item>When the spool cannot be written either, <see cref="SpoolUnavailableException"/>: 503, so Twilio tries its
/// fallback URL.</item>
/// </list>
/// A message stored before the database went away is found by its replay (unique provider and message id) and
/// changes nothing twice.
/// </summary>
public sealed class InboundIntake(InboundPipeline pipeline, InboundSpool spool, ILogger<InboundIntake> log)
{
    /// <summary>Longest the pipeline may take to reach the database before the message is spooled instead
    /// (a host that drops packets would otherwise hold the webhook until Twilio's 15 s timeout).</summary>
    public static readonly TimeSpan DatabaseWait = TimeSpan.FromSeconds(5);

    /// <summary>What the provider is told for a spooled message: nothing to send now.</summary>
    public static readonly InboundAnswer Spooled = new(null, Duplicate: false);

    public async Task<InboundAnswer> TakeAsync(InboundMessage message, CancellationToken ct)
    {
        if (await spool.AppendIfWaitingAsync(message))
            return Spooled;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(DatabaseWait);
        try
        {
            return await pipeline.HandleAsync(message, wait.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && (IsDatabaseUnavailable(e) || e is OperationCanceledException && wait.IsCancellationRequested))
        {
            await spool.AppendAsync(message);
            log.LogWarning("Database unreachable ({Error}): inbound {MessageSid} from {From} kept in the spool, {Depth} waiting",
                e.Message, LogSanitiser.Clean(message.ProviderMessageId), Phone.Mask(message.From), spool.Depth);
            return Spooled;
        }
    }

    /// <summary>The database cannot be reached or is going away, as opposed to a statement that failed: connection
    /// and I/O errors, timeouts, and PostgreSQL's transient states (shutting down, starting up, too many connections).</summary>
    public static bool IsDatabaseUnavailable(Exception e) => e switch
    {
        PostgresException postgres => postgres.IsTransient,
        NpgsqlException => true,
        SocketException or TimeoutException or IOException => true,
        _ => e.InnerException is { } inner && IsDatabaseUnavailable(inner),
    };
}

/// <summary>503 for a message that neither the database nor the spool could take: the provider tries again elsewhere.</summary>
public sealed class SpoolUnavailableHandler(ILogger<SpoolUnavailableHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not SpoolUnavailableException) return false;
        InboundTelemetry.SpoolRefused.Add(1);
        log.LogError("Inbound message refused with 503: the database is unreachable and {Error}", exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "10";
        await context.Response.WriteAsJsonAsync(new { title = "Service Unavailable", status = 503, detail = "the message could not be kept: try again" },
            cancellationToken: ct);
        return true;
    }
}
