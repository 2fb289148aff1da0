namespace Gateway.Imports;

/// <summary>An import's life (imports.status): checked → queued → applying → done; failed or discarded on the way.</summary>
public static class ImportStatus
{
    /// <summary>Read and reported in the console, waiting for the person to confirm it (or discard it).</summary>
    public const string Checked = "checked";
    /// <summary>Confirmed (or imported over the API): the job will write it.</summary>
    public const string Queued = "queued";
    /// <summary>The job is writing it, chunk by chunk.</summary>
    public const string Applying = "applying";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Discarded = "discarded";

    /// <summary>Not over yet: its staged rows are still there.</summary>
    public static readonly string[] Live = [Checked, Queued, Applying];
}
