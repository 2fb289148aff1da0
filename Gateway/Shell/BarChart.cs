using System.Globalization;

namespace Gateway.Shell;

/// <summary>One row of a chart's table and one group of its bars.</summary>
public sealed record ChartRow(string Label, IReadOnlyList<long> Values, IReadOnlyList<string>? Extra = null);

/// <summary>
/// A bar chart drawn by the server as inline SVG (a bar is a &lt;rect&gt;), always followed by a table of the same
/// figures (Shell/_BarChart.cshtml): the SVG is hidden from screen readers, which read the table. Vertical bars for
/// days, horizontal bars for categories; one bar per series in each row (at most three series).
/// </summary>
public sealed record BarChart(string Caption, string RowHeader, IReadOnlyList<string> Series, IReadOnlyList<ChartRow> Rows, bool Horizontal = false,
    IReadOnlyList<string>? ExtraHeaders = null)
{
    public const double Width = 640;
    private const double Top = 8, Bottom = 20, Left = 48, Right = 8, ColumnHeight = 160, LabelWidth = 132, BarHeight = 10, RowGap = 8;

    public sealed record Bar(double X, double Y, double W, double H, int Series, string Title);

    public sealed record Label(double X, double Y, string Text, string Anchor);

    public sealed record Tick(double X1, double Y1, double X2, double Y2, Label Text);

    public double Height => Horizontal ? Top + Rows.Count * RowHeight + Bottom : Top + ColumnHeight + Bottom;

    private double RowHeight => Series.Count * BarHeight + RowGap;

    public long Max => NiceMax(Rows.SelectMany(r => r.Values).DefaultIfEmpty(0).Max());

    public IEnumerable<Bar> Bars()
    {
        var max = Max;
        for (var r = 0; r < Rows.Count; r++)
        {
            var row = Rows[r];
            for (var s = 0; s < Series.Count; s++)
            {
                var value = s < row.Values.Count ? row.Values[s] : 0;
                var title = $"{row.Label} · {Series[s]}: {value.ToString("N0", CultureInfo.CurrentCulture)}";
                if (Horizontal)
                {
                    var length = (Width - LabelWidth - Right) * value / max;
                    yield return new Bar(LabelWidth, Top + r * RowHeight + s * BarHeight, Math.Max(length, value > 0 ? 1 : 0), BarHeight - 1, s, title);
                }
                else
                {
                    var group = (Width - Left - Right) / Rows.Count;
                    var barWidth = group * 0.8 / Series.Count;
                    var height = ColumnHeight * value / max;
                    yield return new Bar(Left + r * group + group * 0.1 + s * barWidth, Top + ColumnHeight - height, barWidth - 1, Math.Max(height, value > 0 ? 1 : 0), s, title);
                }
            }
        }
    }

    /// <summary>The row labels along the axis: every row for categories, every other day for days.</summary>
    public IEnumerable<Label> RowLabels()
    {
        for (var r = 0; r < Rows.Count; r++)
        {
            if (Horizontal)
                yield return new Label(LabelWidth - 4, Top + r * RowHeight + Series.Count * BarHeight / 2 + 4, Clip(Rows[r].Label, 18), "end");
            else if ((Rows.Count - 1 - r) % 2 == 0)
                yield return new Label(Left + (r + 0.5) * (Width - Left - Right) / Rows.Count, Height - 6, Rows[r].Label, "middle");
        }
    }

    /// <summary>Gridlines at 0, half and the top of the scale, with their values.</summary>
    public IEnumerable<Tick> Ticks()
    {
        foreach (var share in new[] { 0.0, 0.5, 1.0 })
        {
            var value = (Max * share).ToString("N0", CultureInfo.CurrentCulture);
            if (Horizontal)
            {
                var x = LabelWidth + (Width - LabelWidth - Right) * share;
                yield return new Tick(x, Top, x, Height - Bottom, new Label(x, Height - 6, value, share == 0 ? "start" : share == 1 ? "end" : "middle"));
            }
            else
            {
                var y = Top + ColumnHeight * (1 - share);
                yield return new Tick(Left, y, Width - Right, y, new Label(Left - 4, y + 4, value, "end"));
            }
        }
    }

    public static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>1, 2 or 5 times a power of ten, at least the largest value (and at least 1).</summary>
    private static long NiceMax(long max)
    {
        if (max <= 1) return 1;
        for (long power = 1; ; power *= 10)
            foreach (var step in new long[] { 1, 2, 5 })
                if (step * power >= max) return step * power;
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
