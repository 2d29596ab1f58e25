using Aiops.Analytics.Correlation;

namespace Aiops.Analytics.Cmdb;

/// <summary>
/// CSV import/export: a CI file <c>id,type,name,owner_group,criticality,attributes</c> (attributes as
/// <c>key=value;key=value</c>) and a relation file <c>from,to,type</c>. Header rows are required.
/// </summary>
/// <remarks>A bad row is reported with its line and column and skipped; the other rows are kept.</remarks>
public static class CmdbCsv
{
    public const string CiHeader = "id,type,name,owner_group,criticality,attributes";
    public const string RelationHeader = "from,to,type";

    public static CmdbImportResult Read(TextReader cisCsv, TextReader relationsCsv, string cisSource = "cis.csv", string relationsSource = "relations.csv")
    {
        var errors = new List<CmdbImportError>();
        var cis = new List<ConfigurationItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var fields = new List<string>();
        var lineNo = 0;
        string? line;
        while ((line = cisCsv.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("id,", StringComparison.OrdinalIgnoreCase))) continue;
            if (!CsvText.TrySplit(line, fields, out var col)) { errors.Add(new(cisSource, lineNo, col, "unterminated or misplaced quote (row skipped)")); continue; }
            if (fields.Count < 2 || fields[0].Length == 0) { errors.Add(new(cisSource, lineNo, 1, "row needs at least id and type (row skipped)")); continue; }
            var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (fields.Count > 5 && fields[5].Length > 0)
            {
                foreach (var pair in fields[5].Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=');
                    if (eq <= 0) { errors.Add(new(cisSource, lineNo, line.IndexOf(pair, StringComparison.Ordinal) + 1, $"attribute '{pair}' is not key=value (ignored)")); continue; }
                    attrs[pair[..eq]] = pair[(eq + 1)..];
                }
            }
            var ci = new ConfigurationItem(fields[0], fields[1], fields.Count > 2 && fields[2].Length > 0 ? fields[2] : fields[0])
            {
                OwnerGroup = fields.Count > 3 && fields[3].Length > 0 ? fields[3] : null,
                Criticality = fields.Count > 4 && fields[4].Length > 0 ? fields[4] : null,
                Attributes = attrs,
            };
            if (!ids.Add(ci.Id)) { errors.Add(new(cisSource, lineNo, 1, $"duplicate CI id '{ci.Id}' (first one kept)")); continue; }
            cis.Add(ci);
        }

        var relations = new List<CmdbRelation>();
        var seen = new HashSet<CmdbRelation>();
        lineNo = 0;
        while ((line = relationsCsv.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("from,", StringComparison.OrdinalIgnoreCase))) continue;
            if (!CsvText.TrySplit(line, fields, out var col)) { errors.Add(new(relationsSource, lineNo, col, "unterminated or misplaced quote (row skipped)")); continue; }
            if (fields.Count < 3) { errors.Add(new(relationsSource, lineNo, 1, "row needs from,to,type (row skipped)")); continue; }
            if (!RelationTypes.TryParse(fields[2], out var type))
            {
                errors.Add(new(relationsSource, lineNo, fields[0].Length + fields[1].Length + 3, $"unknown relation type '{fields[2]}' (row skipped)"));
                continue;
            }
            if (!ids.Contains(fields[0])) { errors.Add(new(relationsSource, lineNo, 1, $"unknown CI '{fields[0]}' (row skipped)")); continue; }
            if (!ids.Contains(fields[1])) { errors.Add(new(relationsSource, lineNo, fields[0].Length + 2, $"unknown CI '{fields[1]}' (row skipped)")); continue; }
            var rel = new CmdbRelation(fields[0], fields[1], type);
            if (rel.From != rel.To && seen.Add(rel)) relations.Add(rel);
        }
        return new CmdbImportResult(new CmdbDocument(cis, relations), errors);
    }

    public static void Write(TextWriter cisCsv, TextWriter relationsCsv, CmdbDocument document)
    {
        cisCsv.WriteLine(CiHeader);
        foreach (var ci in document.Cis)
        {
            var attrs = string.Join(';', ci.Attributes.Select(kv => kv.Key + "=" + kv.Value));
            cisCsv.WriteLine(string.Join(',', CsvText.Escape(ci.Id), CsvText.Escape(ci.Type), CsvText.Escape(ci.Name),
                CsvText.Escape(ci.OwnerGroup), CsvText.Escape(ci.Criticality), CsvText.Escape(attrs)));
        }
        relationsCsv.WriteLine(RelationHeader);
        foreach (var r in document.Relations)
            relationsCsv.WriteLine(string.Join(',', CsvText.Escape(r.From), CsvText.Escape(r.To), RelationTypes.ToWire(r.Type)));
    }
}
