namespace Gateway.Inbound;

/// <summary>The pipeline's answer: the reply to give (TwiML, simulator), or null for none; Duplicate when the
/// provider sent a message it had sent before, which then changed nothing and gets the same reply. Intent is what the
/// message was taken for (opt_out_all, help, …; see <see cref="InboundDecision.NameOf"/>), for a provider that queues
/// the reply as an outbound message and must tell an opt-out's confirmation from other replies.</summary>
public sealed record InboundAnswer(string? Reply, bool Duplicate, string? Intent = null);
