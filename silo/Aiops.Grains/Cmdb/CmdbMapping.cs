using System.Text;
using Aiops.Abstractions.Models;
using Aiops.Analytics.Cmdb;

namespace Aiops.Grains.Cmdb;

/// <summary>
/// Maps between the analytics CMDB types (no Orleans serializers) and the wire records, and reads/writes the text
/// formats with the analytics readers so the API and the eval CLI accept exactly the same documents.
/// </summary>
public static class CmdbMapping
{
    public static CmdbCi ToWire(ConfigurationItem ci) =>
        new(ci.Id, ci.Type, ci.Name, new Dictionary<string, string>(ci.Attributes, StringComparer.Ordinal), ci.OwnerGroup, ci.Criticality);

    public static ConfigurationItem ToAnalytics(CmdbCi ci) =>
        new(ci.Id, ci.Type, ci.Name) { Attributes = ci.Attributes, OwnerGroup = ci.OwnerGroup, Criticality = ci.Criticality };

    public static CmdbLink ToWire(CmdbRelation r) => new(r.From, r.To, RelationTypes.ToWire(r.Type));

    public static CmdbDocument ToDocument(IEnumerable<CmdbCi> cis, IEnumerable<CmdbLink> relations)
    {
        var rels = new List<CmdbRelation>();
        foreach (var r in relations)
        {
            // Stored links were validated on the way in; an unknown type could only come from a newer version's state.
            if (RelationTypes.TryParse(r.Type, out var type)) rels.Add(new CmdbRelation(r.From, r.To, type));
        }

        return new CmdbDocument([.. cis.Select(ToAnalytics)], rels);
    }

    /// <summary>Parses a §9.3 JSON or two-section CSV text; bad records become problems and are skipped.</summary>
    public static (CmdbSnapshot Document, List<CmdbImportProblem> Problems) Parse(string text, CmdbFormat format)
    {
        var result = format == CmdbFormat.Json ? CmdbJson.Read(Encoding.UTF8.GetBytes(text), "body") : ReadCsv(text);
        var problems = result.Errors.Select(e => new CmdbImportProblem(e.Line, e.Column, e.Message)).ToList();
        var doc = new CmdbSnapshot([.. result.Document.Cis.Select(ToWire)], [.. result.Document.Relations.Select(ToWire)], 0);
        return (doc, problems);
    }

    public static string Format(CmdbDocument document, CmdbFormat format)
    {
        if (format == CmdbFormat.Json)
        {
            using var stream = new MemoryStream();
            CmdbJson.Write(stream, document);
            return Encoding.UTF8.GetString(stream.ToArray());
        }

        var cis = new StringWriter { NewLine = "\n" };
        var relations = new StringWriter { NewLine = "\n" };
        CmdbCsv.Write(cis, relations, document);
        return cis + "\n" + relations;
    }

    /// <summary>
    /// Splits one CSV text at the relation header (<c>from,to,type</c>) into the two readers <see cref="CmdbCsv"/> wants,
    /// and shifts relation line numbers back to lines of the whole text so an error points at the line the user sent.
    /// </summary>
    private static CmdbImportResult ReadCsv(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var split = Array.FindIndex(lines, l => l.StartsWith(CmdbCsv.RelationHeader, StringComparison.OrdinalIgnoreCase));
        var ciText = split < 0 ? string.Join('\n', lines) : string.Join('\n', lines[..split]);
        var relText = split < 0 ? string.Empty : string.Join('\n', lines[split..]);
        var read = CmdbCsv.Read(new StringReader(ciText), new StringReader(relText), "body", "relations");
        if (split <= 0)
        {
            return read;
        }

        var errors = read.Errors.Select(e => e.Source == "relations" ? e with { Source = "body", Line = e.Line + split } : e).ToList();
        return read with { Errors = errors };
    }
}
