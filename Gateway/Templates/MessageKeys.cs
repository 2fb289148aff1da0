namespace Gateway.Templates;

/// <summary>The reply texts the code asks for, each with the placeholders its wording may use.</summary>
public static class MessageKeys
{
    public const string Help = "help";

    public static readonly IReadOnlyDictionary<string, string[]> All = new Dictionary<string, string[]>
    {
        [Help] = [],
    };
}
