namespace Gateway.Hosting;

/// <summary>
/// How many chunks one run of a job written in lanes (a broadcast's fan-out, an import) may still take, across all its
/// lanes: unlimited in production; tests set a number to stop a run mid-way and check what the next run carries on.
/// </summary>
public sealed class ChunkBudget(int? max)
{
    private int _taken;

    public int Taken => Volatile.Read(ref _taken);

    /// <summary>True once a lane was refused a chunk.</summary>
    public bool Exhausted { get; private set; }

    public bool TryTake()
    {
        if (Interlocked.Increment(ref _taken) <= (max ?? int.MaxValue))
            return true;
        Interlocked.Decrement(ref _taken);
        Exhausted = true;
        return false;
    }

    /// <summary>A chunk taken but not written (rolled back, to be written again).</summary>
    public void GiveBack() => Interlocked.Decrement(ref _taken);
}
