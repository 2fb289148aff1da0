using Dapper;
using Npgsql;

namespace Gateway.Inbound;

/// <summary>
/// The web processes' word that no resident's message waits outside the database (table inbound_intakes, 0140), which
/// the dispatcher asks before it claims anything (<see cref="NoneWaitingSql"/>, in Delivery/Dispatcher.cs's claim).
/// Dispatch waits while any intake
/// <list type="bullet">
/// <item>said at its last heartbeat that messages wait in its spool (for at most <see cref="SpooledLimit"/> after that
/// heartbeat: a process that died with a spool nobody takes over must not stop every broadcast for ever);</item>
/// <item>last spoke before PostgreSQL (re)started, until it speaks again or <see cref="RestartGrace"/> has passed: on
/// the database's return the worker may be quicker than the web process, which can only now say what it kept;</item>
/// <item>has been silent for more than <see cref="SilentAfter"/> (cut off from the database, frozen, or gone) and less
/// than <see cref="SilentLimit"/>.</item>
/// </list>
/// Times are the database's own (now()), so every process's clock agrees.
/// </summary>
public static class InboundSpoolHold
{
    public static readonly TimeSpan SpooledLimit = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan RestartGrace = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan SilentAfter = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan SilentLimit = TimeSpan.FromSeconds(40);

    // The three cases above, on an inbound_intakes row named i (the intervals are the constants above).
    private const string HoldsSql = """
        i.alive_at > now() - interval '10 minutes'
        AND (i.spooled > 0
             OR (i.alive_at < pg_postmaster_start_time() AND now() < pg_postmaster_start_time() + interval '30 seconds')
             OR i.alive_at BETWEEN now() - interval '40 seconds' AND now() - interval '10 seconds')
        """;

    /// <summary>
    /// True when no intake may hold a message the database has not seen; embeddable in a WHERE clause, with the parameter
    /// <c>@OwnIntake</c>: the intake of the process that asks (<see cref="OwnIntake"/>), or null. A process does not wait
    /// for its own row: it knows its spool's depth better than its last heartbeat does (<see cref="LocalSpoolWaits"/>),
    /// and a heartbeat of its own that stalled (a CPU-starved machine, a slow database) must not hold its own dispatch.
    /// </summary>
    public const string NoneWaitingSql = $"NOT EXISTS (SELECT 1 FROM inbound_intakes i WHERE i.name IS DISTINCT FROM @OwnIntake AND {HoldsSql})";

    private const string WaitingSql = $"SELECT name, alive_at, spooled FROM inbound_intakes i WHERE i.name IS DISTINCT FROM @OwnIntake AND {HoldsSql} ORDER BY name";

    /// <summary>The intake of this process, when it takes residents' messages (a web process; null in Gateway.Worker).</summary>
    public static string? OwnIntake(InboundSpool? spool) => spool?.Name;

    /// <summary>Messages wait in this process's own spool: its dispatch must wait for their replay.</summary>
    public static bool LocalSpoolWaits(InboundSpool? spool) => spool is { Depth: > 0 };

    // Rows of processes gone for a day are cleared by whoever speaks.
    private const string HeartbeatSql = """
        WITH gone AS (DELETE FROM inbound_intakes WHERE alive_at < now() - interval '1 day')
        INSERT INTO inbound_intakes (name, alive_at, spooled) VALUES (@Name, now(), @Spooled)
        ON CONFLICT (name) DO UPDATE SET alive_at = excluded.alive_at, spooled = excluded.spooled
        """;

    private const string ForgetSql = "DELETE FROM inbound_intakes WHERE name = @Name";

    public static Task HeartbeatAsync(NpgsqlConnection conn, string name, int spooled, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(HeartbeatSql, new { Name = name, Spooled = spooled }, cancellationToken: ct));

    /// <summary>The intake is gone and nothing of it waits any more (it stopped cleanly, or its spool was replayed by another).</summary>
    public static Task ForgetAsync(NpgsqlConnection conn, string name, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(ForgetSql, new { Name = name }, cancellationToken: ct));

    /// <summary>The intakes holding dispatch now, for a worker's warning.</summary>
    public static async Task<IReadOnlyList<WaitingIntake>> WaitingAsync(NpgsqlConnection conn, string? ownIntake, CancellationToken ct) =>
        (await conn.QueryAsync<WaitingIntake>(new CommandDefinition(WaitingSql, new { OwnIntake = ownIntake }, cancellationToken: ct))).AsList();
}

public sealed record WaitingIntake(string Name, DateTime AliveAt, int Spooled);

/// <summary>
/// The worker's side of the hold: while web processes hold dispatch, says which and why, at warning, when that changes
/// and once a minute while it lasts (a web process that died with messages in its spool holds dispatch for minutes).
/// </summary>
public sealed class InboundSpoolHoldWatch(NpgsqlDataSource db, ILogger<InboundSpoolHoldWatch> log, InboundSpool? localSpool = null)
{
    private static readonly TimeSpan Repeat = TimeSpan.FromMinutes(1);

    private string _last = "";
    private DateTime _saidAt;

    public async Task CheckAsync(CancellationToken ct)
    {
        IReadOnlyList<WaitingIntake> waiting;
        await using (var conn = await db.OpenConnectionAsync(ct))
            waiting = await InboundSpoolHold.WaitingAsync(conn, InboundSpoolHold.OwnIntake(localSpool), ct);
        if (InboundSpoolHold.LocalSpoolWaits(localSpool))
            waiting = [new WaitingIntake(localSpool!.Name, DateTime.UtcNow, localSpool.Depth), .. waiting];
        var now = DateTime.UtcNow;
        var state = string.Join(", ", waiting.Select(w => w.Spooled > 0
            ? $"{w.Name} ({w.Spooled} message(s) in its spool)"
            : $"{w.Name} (not heard from since {w.AliveAt:HH:mm:ss} UTC)"));
        if (state.Length == 0)
        {
            if (_last.Length > 0) log.LogInformation("Dispatch goes on: no web process holds inbound messages the database has not seen");
        }
        else if (state != _last || now - _saidAt >= Repeat)
        {
            log.LogWarning("Dispatch waits: web process(es) may hold residents' messages (a STOP among them) the database has not seen yet: {Intakes}", state);
            _saidAt = now;
        }
        _last = state;
    }
}
