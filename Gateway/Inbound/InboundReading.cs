namespace Gateway.Inbound;

/// <summary>A message as read: its text made storable (and decoded when it came as base64), what it asks for, and the
/// language a number writing for the first time gets.</summary>
/// <param name="Message">The message as it is stored: <see cref="InboundMessage.Body"/> is the text the resident wrote.</param>
public sealed record InboundReading(InboundMessage Message, ParsedMessage Parsed, string LanguageIfNew);
