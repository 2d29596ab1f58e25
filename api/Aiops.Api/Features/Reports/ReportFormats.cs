using System.Globalization;
using System.Net;
using System.Text;

namespace Aiops.Api.Features.Reports;

/// <summary>
/// Renders a <see cref="PredictedIncidentReport"/> as CSV (RFC 4180), Markdown or a self-contained printable HTML page.
/// Every format writes the same rows in the same order and the same columns (<see cref="Columns"/>); numbers use the
/// invariant culture, times ISO-8601 UTC.
/// </summary>
public static class ReportFormats
{
    /// <summary>Column headers, shared by CSV, Markdown and HTML.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "prediction_id", "entity", "ci_type", "series", "metric", "threshold", "first_alert", "eta", "eta_low", "eta_high",
        "probability", "state", "crossing", "grade", "lead_minutes", "eta_error_minutes", "incident_id", "ticket_id",
    ];

    private static readonly IReadOnlyList<string> SummaryColumns =
    [
        "group", "predictions", "hit", "early", "late", "false_alarm", "pending", "precision", "ledger_recall", "median_lead_minutes", "median_eta_error_minutes",
    ];

    /// <summary>The cells of one row, in <see cref="Columns"/> order; empty string for none.</summary>
    public static IReadOnlyList<string> Cells(PredictedIncidentRow r) =>
    [
        r.PredictionId, r.Entity, r.CiType, r.Series, r.Metric, Number(r.Threshold), Time(r.FirstAlert), Time(r.Eta), Time(r.EtaLow), Time(r.EtaHigh),
        Number(r.Probability), r.State, Time(r.Crossing), r.Grade, Number(r.LeadMinutes), Number(r.EtaErrorMinutes), r.IncidentId ?? "", r.TicketId ?? "",
    ];

    private static IReadOnlyList<string> SummaryCells(PredictedIncidentSummary s) =>
    [
        s.Group, Int(s.Predictions), Int(s.Hits), Int(s.Early), Int(s.Late), Int(s.FalseAlarms), Int(s.Pending),
        Number(s.Precision), Number(s.LedgerRecall), Number(s.MedianLeadMinutes), Number(s.MedianEtaErrorMinutes),
    ];

    /// <summary>
    /// RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma, quote, CR or LF (quotes doubled).
    /// Only the prediction rows: a spreadsheet wants one table per file (the summary is in the other formats).
    /// </summary>
    public static string Csv(PredictedIncidentReport report)
    {
        var sb = new StringBuilder();
        AppendCsvLine(sb, Columns);
        foreach (var row in report.Rows)
        {
            AppendCsvLine(sb, Cells(row));
        }

        return sb.ToString();
    }

    private static void AppendCsvLine(StringBuilder sb, IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            var cell = cells[i];
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                sb.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(cell);
            }
        }

        sb.Append("\r\n");
    }

    /// <summary>GitHub-flavoured Markdown: a title, the window, the two summaries and the rows table.</summary>
    public static string Markdown(PredictedIncidentReport report)
    {
        var sb = new StringBuilder();
        sb.Append("# Predicted incidents\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Window (first alert): {Time(report.From)} to {Time(report.To)} · {report.Rows.Count} predictions · generated {Time(report.GeneratedAt)}\n\n");
        sb.Append("## By CI type\n\n");
        AppendMarkdownTable(sb, SummaryColumns, report.ByCiType.Select(SummaryCells));
        sb.Append("## By metric\n\n");
        AppendMarkdownTable(sb, SummaryColumns, report.ByMetric.Select(SummaryCells));
        sb.Append("## Predictions\n\n");
        AppendMarkdownTable(sb, Columns, report.Rows.Select(Cells));
        return sb.ToString();
    }

    private static void AppendMarkdownTable(StringBuilder sb, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        sb.Append("| ").AppendJoin(" | ", header.Select(MarkdownCell)).Append(" |\n");
        sb.Append('|').AppendJoin('|', header.Select(_ => "---")).Append("|\n");
        foreach (var row in rows)
        {
            sb.Append("| ").AppendJoin(" | ", row.Select(MarkdownCell)).Append(" |\n");
        }

        sb.Append('\n');
    }

    // A pipe would split the cell and a line break would end the row.
    private static string MarkdownCell(string cell) =>
        cell.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>
    /// A self-contained page: inline CSS only, no scripts, images, fonts or links to other hosts, so it prints and
    /// archives as is. <c>@media print</c> switches to landscape, drops the background and repeats table headers.
    /// </summary>
    public static string Html(PredictedIncidentReport report)
    {
        var sb = new StringBuilder();
        sb.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Predicted incidents</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1b1f24; background: #f6f8fa; }
            h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
            h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
            .meta { color: #57606a; margin: 0 0 1rem; }
            table { border-collapse: collapse; width: 100%; background: #fff; font-size: .8rem; }
            th, td { border: 1px solid #d0d7de; padding: .25rem .4rem; text-align: left; vertical-align: top; }
            th { background: #eaeef2; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.hit td.grade { color: #1a7f37; font-weight: 600; }
            tr.false-alarm td.grade { color: #cf222e; font-weight: 600; }
            tr.early td.grade, tr.late td.grade { color: #9a6700; font-weight: 600; }
            @media print {
              @page { size: A4 landscape; margin: 10mm; }
              body { background: #fff; margin: 0; font-size: 9pt; }
              table { font-size: 7.5pt; }
              thead { display: table-header-group; }
              tr { page-break-inside: avoid; break-inside: avoid; }
              h2 { page-break-after: avoid; break-after: avoid; }
            }
            </style>
            </head>
            <body>
            <h1>Predicted incidents</h1>

            """);
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">Window (first alert): {Time(report.From)} to {Time(report.To)} · {report.Rows.Count} predictions · generated {Time(report.GeneratedAt)}</p>\n");
        sb.Append("<h2>By CI type</h2>\n");
        AppendHtmlTable(sb, SummaryColumns, report.ByCiType.Select(s => (SummaryCells(s), (string?)null)));
        sb.Append("<h2>By metric</h2>\n");
        AppendHtmlTable(sb, SummaryColumns, report.ByMetric.Select(s => (SummaryCells(s), (string?)null)));
        sb.Append("<h2>Predictions</h2>\n");
        AppendHtmlTable(sb, Columns, report.Rows.Select(r => (Cells(r), (string?)r.Grade)));
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static void AppendHtmlTable(StringBuilder sb, IReadOnlyList<string> header, IEnumerable<(IReadOnlyList<string> Cells, string? RowClass)> rows)
    {
        sb.Append("<table>\n<thead><tr>");
        foreach (var h in header)
        {
            sb.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        }

        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var (cells, rowClass) in rows)
        {
            sb.Append(rowClass is null ? "<tr>" : $"<tr class=\"{WebUtility.HtmlEncode(rowClass)}\">");
            for (var i = 0; i < cells.Count; i++)
            {
                var css = header[i] == "grade" ? " class=\"grade\"" : double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? " class=\"num\"" : "";
                sb.Append("<td").Append(css).Append('>').Append(WebUtility.HtmlEncode(cells[i])).Append("</td>");
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</tbody>\n</table>\n");
    }

    private static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    private static string Number(double? v) => v is { } d ? Math.Round(d, 4).ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
}
