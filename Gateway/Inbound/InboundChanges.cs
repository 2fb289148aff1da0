using System.Diagnostics;
using Gateway.Data;
using Gateway.Phones;
using Gateway.Subscriptions;
using Gateway.Support;

namespace Gateway.Inbound;

/// <summary>
/// The apply step's dispatch: each change of an <see cref="InboundDecision"/> goes to the slice that owns its tables,
/// which turns it into SQL. The pipeline sends the statements with the message's own, in one round trip and one
/// transaction; course changes (never on the fast path) are carried out by Lessons in the same transaction.
/// </summary>
public sealed class InboundChanges(ChangeConsent consent, OpenSupportRequest support, Conversations conversations, ILogger<InboundChanges> log)
{
    /// <summary>The statements of every change but the course change, in the order they are written.</summary>
    public IReadOnlyList<SqlStatement> Statements(InboundDecision decision)
    {
        var statements = new List<SqlStatement>();
        if (decision.Consent is { } change) statements.Add(consent.Statement(change));
        if (decision.Preferences is { } preferences) statements.Add(SubscriberPreferences.Statement(preferences));
        if (decision.SupportRequest is { } request) statements.Add(support.Statement(request));
        if (decision.Conversation is { } turn) statements.AddRange(conversations.Statements(turn));
        return statements;
    }

    /// <summary>After the commit: a support request reaches the log (a crisis as a warning); everything else is Debug, since
    /// at thousands of messages a second one line each is noise and every opt-in and opt-out is in the consent ledger.</summary>
    public void Committed(InboundContext c, InboundDecision decision, string path)
    {
        if (decision.SupportRequest is { } request)
            support.Opened(request);
        if (decision.Conversation is { } turn)
            conversations.Committed(turn);
        InboundTelemetry.Messages.Add(1, new KeyValuePair<string, object?>("intent", decision.Intent),
            new KeyValuePair<string, object?>("channel", c.Reading.Message.Provider));
        Activity.Current?.SetTag("inbound.id", c.InboundId).SetTag("inbound.intent", decision.Intent);
        log.Handled(c, decision, path);
    }
}
