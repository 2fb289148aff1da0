namespace Gateway.Templates;

/// <summary>A text in both languages of the city, as written in templates/ (zh: Simplified Chinese, en: English).</summary>
public sealed class Bilingual
{
    public string Zh { get; set; } = "";
    public string En { get; set; } = "";

    public string In(string language) => language switch
    {
        "zh" => Zh,
        "en" => En,
        _ => throw new ArgumentException($"unknown language '{language}'", nameof(language)),
    };
}
