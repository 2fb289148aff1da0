namespace Gateway.Imports;

/// <summary>
/// The file as a whole cannot be read as a list (no header, unknown columns, a column twice, no phone column): answered
/// 422 with every reason found (<see cref="Reasons"/>; <see cref="Exception.Message"/> has them together), and nothing
/// is imported.
/// </summary>
public sealed class ImportFileProblem(IReadOnlyList<string> reasons) : Exception(string.Join("; ", reasons))
{
    public ImportFileProblem(string reason) : this([reason])
    {
    }

    public IReadOnlyList<string> Reasons { get; } = reasons;
}
