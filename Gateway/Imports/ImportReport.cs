namespace Gateway.Imports;

/// <summary>
/// What a list holds and what importing it does, group by group (docs/imports.md): <paramref name="Rows"/> data rows
/// read = <paramref name="InvalidCount"/> + <paramref name="Duplicates"/> (later rows of a number already in the file)
/// + <paramref name="New"/> + <paramref name="Known"/> numbers; and of the new and known numbers:
/// <paramref name="ToSubscribe"/> (recorded consent: subscribed, ledgered), <paramref name="ToConfirm"/> (new, no
/// consent: one confirmation SMS, pending until YES), <paramref name="OptedOut"/> (opted out or erased: never
/// re-subscribed by an import) and <paramref name="Unchanged"/> (known numbers the list changes nothing for).
/// <paramref name="Invalid"/> lists the first <see cref="ReadImportFile.MaxInvalidListed"/> invalid rows.
/// </summary>
public sealed record ImportReport(int Rows, int New, int Known, IReadOnlyList<InvalidRow> Invalid, int InvalidCount, int Duplicates,
    int OptedOut, int ToSubscribe, int ToConfirm, int Unchanged);
