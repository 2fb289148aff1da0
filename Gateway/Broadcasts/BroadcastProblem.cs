namespace Gateway.Broadcasts;

/// <summary>
/// Why a broadcast request was refused: the field at fault (as the API names it: "content.zh", "audience.regions",
/// "sendAt"), the reason as a text key the console words in the reader's language ("broadcasts.problem.&lt;key&gt;" with
/// <paramref name="Args"/> for its placeholders), and <paramref name="Detail"/>, the API's 422 detail ("field: reason").
/// </summary>
public sealed record BroadcastProblem(string Field, string Key, string Detail, params object[] Args);
