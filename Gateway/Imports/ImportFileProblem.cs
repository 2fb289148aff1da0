namespace Gateway.Imports;

/// <summary>
/// The file as a whole cannot be read as a list (no header, an unknown column, no phone column, a separator other than
/// comma or tab): answered 422 with <see cref="Exception.Message"/>, and nothing is imported.
/// </summary>
public sealed class ImportFileProblem(string message) : Exception(message);
