namespace Gateway.Inbound;

/// <summary>The pipeline's answer: the reply to give (TwiML, simulator), or null for none; Duplicate when the
/// provider sent a message it had sent before, which then changed nothing and gets the same reply.</summary>
public sealed record InboundAnswer(string? Reply, bool Duplicate);
