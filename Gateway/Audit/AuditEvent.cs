namespace Gateway.Audit;

/// <summary>One audit log entry as stored (At in UTC). Via: console, token or system.</summary>
public sealed record AuditEvent(long Id, DateTime At, string Actor, string Via, string Action, string? Target, string? Detail, string? Address);
