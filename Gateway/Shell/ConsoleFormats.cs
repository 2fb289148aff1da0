using System.Globalization;
using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Shell;

/// <summary>How pages show times and numbers: every time in the city's TIME_ZONE, numbers in the reader's language.</summary>
public sealed class ConsoleFormats(IOptions<GatewayOptions> options)
{
    public TimeZoneInfo Zone => options.Value.CityTimeZone;

    /// <summary>"2026-03-02 09:05" in TIME_ZONE, from a UTC time as read from the database.</summary>
    public string Time(DateTime utc) => City(utc).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public string Time(DateTime? utc) => utc is { } t ? Time(t) : "";

    public string Time(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The machine-readable form for a &lt;time datetime&gt; attribute (with the city's offset).</summary>
    public string IsoTime(DateTime utc) => City(utc).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    public string Number(long n) => n.ToString("N0", ConsoleTexts.CultureFor(ConsoleTexts.CurrentLanguage));

    /// <summary>Money in SMS_PRICE_PER_SEGMENT's currency: two decimals, more only when they matter (0.0075).</summary>
    public string Money(decimal amount) => amount.ToString("#,##0.00###", ConsoleTexts.CultureFor(ConsoleTexts.CurrentLanguage));

    /// <summary>A city time as "2026-03-02 09:05" from an instant.</summary>
    public string Time(DateTimeOffset? at) => at is { } t ? Time(t) : "";

    /// <summary>A share as "97.3 %" (one decimal), or "–" when there is nothing to divide by.</summary>
    public string Percent(long part, long whole) => whole == 0 ? "–" : ((double)part / whole).ToString("P1", ConsoleTexts.CultureFor(ConsoleTexts.CurrentLanguage));

    /// <summary>A share of two amounts of money, as <see cref="Percent(long, long)"/>.</summary>
    public string Percent(decimal part, decimal whole) => whole == 0 ? "–" : ((double)(part / whole)).ToString("P1", ConsoleTexts.CultureFor(ConsoleTexts.CurrentLanguage));

    /// <summary>A city date as "03-02" (short, for chart axes) or "2026-03-02".</summary>
    public static string Day(DateOnly day, bool withYear = false) => day.ToString(withYear ? "yyyy-MM-dd" : "MM-dd", CultureInfo.InvariantCulture);

    private DateTimeOffset City(DateTime utc) => TimeZoneInfo.ConvertTime(new DateTimeOffset(utc), Zone);
}
