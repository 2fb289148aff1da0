using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Ussd;

/// <summary>One step of a USSD session as any aggregator's adapter hands it over.</summary>
/// <param name="Phone">E.164, normalised at the edge.</param>
/// <param name="Text">The session's input history, each input separated by '*' ("" on the dial).</param>
public sealed record UssdRequest(string SessionId, string Phone, string ServiceCode, string? NetworkCode, string Text);

/// <summary>
/// One USSD step, for every aggregator: read the session and the number's facts, feed the new inputs to the pure
/// <see cref="UssdMenu"/>, perform the actions it asks for, save the session, answer the screen. A retried request
/// (same history) gets the same screen and changes nothing. Input that cannot be read, and a database that cannot
/// answer in time, get a polite final screen instead of an error: the aggregator would only show its own.
/// </summary>
public sealed class HandleUssd(UssdMenu menu, UssdSessions sessions, UssdActions actions, IOptions<GatewayOptions> options,
    ILogger<HandleUssd> log)
{
    /// <summary>Aggregators give up after about 10 s (protocols.md §8.1); a final screen before that beats silence.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);

    public async Task<UssdReply> HandleAsync(UssdRequest request, CancellationToken ct)
    {
        using var activity = UssdTelemetry.Source.StartActivity("ussd step");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StepTimeout);
        UssdSnapshot? snapshot = null;
        try
        {
            snapshot = await sessions.LoadAsync(request.SessionId, request.Phone, timeout.Token);
            return await StepAsync(request, snapshot, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            log.NoAnswerInTime(e, request);
            UssdTelemetry.Step("busy");
            UssdTelemetry.Ended("busy");
            return menu.Busy(snapshot?.Session?.State.Language ?? snapshot?.Facts.Language ?? options.Value.DefaultLanguage);
        }
    }

    private async Task<UssdReply> StepAsync(UssdRequest request, UssdSnapshot snapshot, CancellationToken ct)
    {
        var session = snapshot.Session;
        var facts = snapshot.Facts;
        var read = UssdInput.Read(session?.InputText, request.Text);

        if (session is not null && session.Phone != request.Phone)
        {
            log.OtherPhone(request);
            UssdTelemetry.Step("malformed");
            return menu.Malformed(facts.Language);
        }
        if (read.Kind == UssdInputKind.Retry)
        {
            UssdTelemetry.Step("retry");
            return session!.LastReply;
        }
        if (read.Kind == UssdInputKind.Malformed || session?.Ended == true)
        {
            log.UnreadableHistory(request);
            if (session is not null) await sessions.EndAsync(request.SessionId, ct);
            UssdTelemetry.Step("malformed");
            UssdTelemetry.Ended("malformed");
            return menu.Malformed(session?.State.Language ?? facts.Language);
        }

        UssdStep step;
        if (session is null)
        {
            // A dial with a pre-filled path (*384*123*2#) asked for somewhere specific: no resume offer then.
            step = menu.Start(facts, read.Inputs.Count == 0 ? snapshot.Interrupted : null);
            log.SessionStarted(request);
        }
        else
        {
            step = UssdStep.Show(session.State, session.LastReply);
        }

        var erased = false;
        foreach (var input in read.Inputs)
        {
            step = menu.Next(step.State, input, facts);
            if (step.Action is { } action)
            {
                var result = await actions.PerformAsync(action, request.Phone, step.State.Language, ct);
                erased |= result.SessionErased;
                facts = await sessions.LoadFactsAsync(request.Phone, ct);
                step = menu.Complete(step.State, action, result.Outcome, facts);
            }
            if (step.Reply!.End) break;
        }

        // After "delete my data" the session row is gone with the rest; writing it again would keep the number.
        if (!erased && !await sessions.SaveAsync(request, session?.InputText, step.State, step.Reply!, ct))
            log.SavedConcurrently(request);
        UssdTelemetry.Step("screen");
        if (step.Reply!.End) UssdTelemetry.Ended("menu");
        return step.Reply!;
    }
}
