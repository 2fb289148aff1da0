namespace Gateway.Inbound;

/// <summary>Media as inbound_messages keeps it: two arrays, URLs and content types ('' for none), NULL when there were none.</summary>
public static class InboundMediaColumns
{
    public static IReadOnlyList<InboundMedia> Read(string[]? urls, string[]? types) =>
        (urls ?? []).Select((url, i) => new InboundMedia(url, types?.ElementAtOrDefault(i) is { Length: > 0 } type ? type : null)).ToList();

    public static string[]? Urls(IReadOnlyList<InboundMedia> media) => media.Count == 0 ? null : media.Select(m => m.Url).ToArray();

    public static string[]? Types(IReadOnlyList<InboundMedia> media) => media.Count == 0 ? null : media.Select(m => m.ContentType ?? "").ToArray();
}
