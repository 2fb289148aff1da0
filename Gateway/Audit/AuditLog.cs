using Dapper;
using Gateway.Admin;
using Npgsql;

namespace Gateway.Audit;

/// <summary>
/// Records staff actions in audit_events, which nobody can change or delete (a trigger refuses it). One line where the
/// action happens:
/// <code>await audit.RecordAsync(http, AuditActions.StaffDisabled, target: name, ct: ct);</code>
/// The caller (name, and console or token) and their address come from the request. Pass the connection and
/// transaction of the action itself (the overload with <c>conn, tx</c>) so that the entry commits with it, or not at all.
/// Never put a full phone number or a message body in target or detail: mask numbers (Phone.Mask).
/// </summary>
public sealed class AuditLog(NpgsqlDataSource db, TimeProvider clock)
{
    public const int MaxTextLength = 500;

    private const string InsertSql = """
        INSERT INTO audit_events (at, actor, via, action, target, detail, address)
             VALUES (@At, @Actor, @Via, @Action, @Target, @Detail, @Address)
        """;

    /// <summary>Records what the signed-in person (or token) of <paramref name="http"/> did, on its own connection.</summary>
    public async Task RecordAsync(HttpContext http, string action, string? target = null, string? detail = null, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RecordAsync(conn, null, http, action, target, detail, ct);
    }

    /// <summary>Records it in the caller's transaction: the entry commits with the action.</summary>
    public Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, HttpContext http, string action, string? target = null,
        string? detail = null, CancellationToken ct = default) =>
        RecordAsync(conn, tx, AuditActor.Of(http).Did(action, target, detail), ct);

    /// <summary>Records an entry whose actor is not the request's caller (a failed sign-in names the name typed; jobs are 'system').</summary>
    public async Task RecordAsync(AuditEntry entry, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RecordAsync(conn, null, entry, ct);
    }

    public Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, AuditEntry entry, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            At = clock.GetUtcNow(),
            Actor = Clip(entry.Actor)!,
            entry.Via,
            entry.Action,
            Target = Clip(entry.Target),
            Detail = Clip(entry.Detail),
            entry.Address,
        }, tx, cancellationToken: ct));

    /// <summary>The client's address as the web server saw it (behind a proxy: the proxy's, unless forwarded headers are configured).</summary>
    public static string? AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    private static string? Clip(string? text) => text is { Length: > MaxTextLength } ? text[..MaxTextLength] + "…" : text;
}

/// <summary>An audit entry to record: who (and by what means), what, on what, and from where.</summary>
public sealed record AuditEntry(string Actor, string Via, string Action, string? Target, string? Detail, string? Address);

/// <summary>Who acts, as the audit log names them: the request's caller, or the gateway itself.</summary>
public sealed record AuditActor(string Name, string Via, string? Address)
{
    /// <summary>The gateway acting on its own (jobs, the local mode's first admin).</summary>
    public static readonly AuditActor Gateway = new("gateway", AuditVia.System, null);

    /// <summary>The signed-in person or token of the request, and the address it came from.</summary>
    public static AuditActor Of(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated != true) return new AuditActor("anonymous", AuditVia.Console, AuditLog.AddressOf(http));
        var caller = http.User.Caller();
        return new AuditActor(caller.Name, caller.Kind == CallerKind.Token ? AuditVia.Token : AuditVia.Console, AuditLog.AddressOf(http));
    }

    public AuditEntry Did(string action, string? target = null, string? detail = null) => new(Name, Via, action, target, detail, Address);
}

/// <summary>How the actor acted: signed in to the console, with an API token, or the gateway itself.</summary>
public static class AuditVia
{
    public const string Console = "console";
    public const string Token = "token";
    public const string System = "system";
}
