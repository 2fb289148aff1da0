using Dapper;
using Gateway.Tests.Support;

namespace Gateway.Bench.Faults;

/// <summary>
/// A scenario's messages as the provider saw them, against their rows: every create request the fake Twilio received
/// (our row id rides in its status callback URL, ?m=), counted per row, so a duplicate is a second accepted request for
/// one row, whatever the gateway's tables say.
/// </summary>
/// <param name="Lost">Rows the provider never accepted a request for, with no reason of their own (opted out, canceled, expired).</param>
/// <param name="Duplicates">Accepted requests beyond the first for one row.</param>
/// <param name="Unsettled">Rows still queued, sending or in doubt.</param>
public sealed record HandOffTally(int Rows, int Accepted, int Lost, int Duplicates, int Unsettled, int Reconciled)
{
    private sealed record Row(long Id, string Status, string? Note);

    public static async Task<HandOffTally> CountAsync(FaultRig rig)
    {
        List<Row> rows;
        await using (var conn = await rig.OpenAsync())
            rows = (await conn.QueryAsync<Row>("SELECT id, status, note FROM outbound_messages", commandTimeout: 300)).AsList();
        var accepted = AcceptedByRow(rig.Provider);
        var lost = rows.Count(r => accepted.GetValueOrDefault(r.Id) == 0 && r.Status is not ("skipped_opted_out" or "canceled" or "expired"));
        var duplicates = accepted.Values.Sum(n => Math.Max(0, n - 1));
        var unsettled = rows.Count(r => r.Status is "queued" or "sending" or "ambiguous");
        // Rows reconciliation settled by asking the provider, or queued again after their worker stopped.
        var reconciled = rows.Count(r => r.Note is { } note && (note.Contains("ambiguous hand-off") || note.Contains("worker stopped")));
        return new HandOffTally(rows.Count, accepted.Values.Sum(), lost, duplicates, unsettled, reconciled);
    }

    /// <summary>Accepted create requests per outbound row id.</summary>
    public static Dictionary<long, int> AcceptedByRow(FakeTwilio provider) => provider.Requests
        .Where(r => r.Sid is not null && RowId(r) is not null)
        .GroupBy(r => RowId(r)!.Value)
        .ToDictionary(g => g.Key, g => g.Count());

    public static long? RowId(FakeTwilioRequest request)
    {
        var query = request.StatusCallback is { } callback ? new Uri(callback).Query : "";
        var m = System.Web.HttpUtility.ParseQueryString(query)["m"];
        return long.TryParse(m, out var id) ? id : null;
    }

    public static async Task<bool> AllSettledAsync(FaultRig rig)
    {
        await using var conn = await rig.OpenAsync();
        return !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM outbound_messages WHERE status IN ('queued', 'sending', 'ambiguous'))");
    }
}
