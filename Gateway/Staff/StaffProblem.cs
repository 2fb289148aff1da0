namespace Gateway.Staff;

/// <summary>
/// Why a staff change was refused: the form field (or API property) at fault and the text that says why, by key in
/// Staff/staff.texts.yaml, so that the console shows it in the reader's language and the API in English.
/// </summary>
public sealed record StaffProblem(string Field, string TextKey, params object[] Args);
