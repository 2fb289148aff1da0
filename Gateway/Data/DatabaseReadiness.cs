namespace Gateway.Data;

/// <summary>
/// Whether the schema is in place. Background work waits on it, and /health/ready reports it,
/// so an unreachable database shows up as "not ready" instead of a half-working process.
/// </summary>
public sealed class DatabaseReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Why the last attempt to reach or migrate the database failed, for the health endpoint.</summary>
    public string? LastError { get; private set; } = "starting";

    public Task WaitAsync(CancellationToken ct) => _ready.Task.WaitAsync(ct);

    internal void MarkReady()
    {
        LastError = null;
        _ready.TrySetResult();
    }

    internal void MarkFailed(string error) => LastError = error;
}
