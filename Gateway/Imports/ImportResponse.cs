namespace Gateway.Imports;

/// <summary>
/// An import as the API answers it: the report's groups at the top level (rows, new, known, invalid, duplicates,
/// optedOut, toSubscribe, toConfirm, …), and for an import that is not a dry run its id, status and progress.
/// </summary>
/// <param name="Status">dry_run, or the import's status (checked, queued, applying, done, failed, discarded).</param>
public sealed record ImportResponse(long? Id, string Status, bool DryRun, int Rows, int New, int Known, IReadOnlyList<InvalidRow> Invalid,
    int InvalidCount, int Duplicates, int OptedOut, int ToSubscribe, int ToConfirm, int Unchanged, ImportProgress? Progress)
{
    public const string DryRunStatus = "dry_run";

    public static ImportResponse Of(ImportReport r, long? id, string status, ImportProgress? progress) => new(id, status, id is null, r.Rows, r.New,
        r.Known, r.Invalid, r.InvalidCount, r.Duplicates, r.OptedOut, r.ToSubscribe, r.ToConfirm, r.Unchanged, progress);

    public static ImportResponse Of(ImportRecord i) => Of(i.Report, i.Id, i.Status, ImportProgress.Of(i));
}

/// <summary>The job's progress (rows done of rows staged) and what it did: numbers subscribed with recorded consent,
/// confirmation SMS queued. Times in UTC.</summary>
public sealed record ImportProgress(int RowsDone, int RowsStaged, int Subscribed, int Asked, string CreatedBy, DateTime CreatedAt,
    string? ConfirmedBy, DateTime? StartedAt, DateTime? FinishedAt, string? Failure)
{
    public static ImportProgress Of(ImportRecord i) =>
        new(i.RowsDone, i.RowsStaged, i.Subscribed, i.Asked, i.CreatedBy, i.CreatedAt, i.ConfirmedBy, i.StartedAt, i.FinishedAt, i.Failure);
}
