using Gateway.Templates;

namespace Gateway.Broadcasts;

/// <summary>A ready-made prevention notice officials broadcast by key (templates/notices/&lt;key&gt;.yaml).</summary>
public sealed class Notice
{
    public string Key { get; set; } = "";
    public string Title { get; set; } = "";
    public string Topic { get; set; } = "";
    public string Zh { get; set; } = "";
    public string En { get; set; } = "";

    public Bilingual Text => new() { Zh = Zh, En = En };
}

/// <summary>Every notice in templates/notices/, checked at start-up (both languages, at most two segments, no links).</summary>
public sealed class NoticeCatalog
{
    public const int MaxSegments = 2;

    public IReadOnlyList<Notice> Notices { get; }

    public NoticeCatalog(TemplatesFolder folder) : this(folder.Path) { }

    public NoticeCatalog(string templatesPath)
    {
        var folder = Path.Combine(templatesPath, "notices");
        var errors = new List<string>();
        var notices = new List<Notice>();
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList() : [];
        foreach (var file in files)
        {
            var notice = ContentRules.Read<Notice>(file);
            notice.Key = Path.GetFileNameWithoutExtension(file);
            var where = $"notices/{notice.Key}.yaml";
            if (!ContentRules.Slug().IsMatch(notice.Key))
                errors.Add($"{where}: the file name must be a lowercase slug");
            if (string.IsNullOrWhiteSpace(notice.Title) || notice.Title.Length > 60)
                errors.Add($"{where}: title is required, at most 60 characters");
            if (string.IsNullOrWhiteSpace(notice.Topic))
                errors.Add($"{where}: topic is required");
            ContentRules.CheckBilingual(errors, where, notice.Text, MaxSegments);
            notices.Add(notice);
        }
        ContentRules.ThrowIfAny(errors, "templates/notices");
        Notices = notices;
    }

    public Notice? Find(string key) => Notices.FirstOrDefault(n => n.Key == key);
}
