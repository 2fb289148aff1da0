namespace Gateway.Imports;

/// <summary>
/// One valid row of a list, as it is staged: the number in E.164 (and its hash, as the consent ledger keeps it), the
/// language, the district, the topic keys (in the catalog's order), where the list came from, and the resident's
/// recorded consent (<paramref name="ConsentAt"/> null: the list records none).
/// </summary>
/// <param name="Row">The row's line in the file (the header is line 1), as a spreadsheet or an editor shows it.</param>
public sealed record ImportRow(int Row, string Phone, string PhoneHash, string Language, string? Region, string[] Topics, string? Source,
    DateTimeOffset? ConsentAt, string? ConsentText);

/// <summary>A row that cannot be imported: its line, the value at fault (as written, at most 100 characters), and why.</summary>
public sealed record InvalidRow(int Row, string Value, string Reason);
