using System.Text;
using System.Text.Json;

namespace Aiops.Analytics.Cmdb;

/// <summary>
/// JSON import/export in the DESIGN §9.3 format:
/// <c>{"cis":[{"id","type","name","attributes":{}}],"relations":[{"from","to","type"}]}</c>.
/// Optional CI keys <c>owner_group</c> and <c>criticality</c> are read and written when set.
/// </summary>
/// <remarks>
/// The reader is a forward-only <see cref="Utf8JsonReader"/> pass so every problem carries a line and
/// column. A bad CI or relation is reported and skipped; the rest of the document is kept. A syntax
/// error stops the pass (JSON cannot be resynchronised), but what was read before it is returned.
/// </remarks>
public static class CmdbJson
{
    public static CmdbImportResult ReadFile(string path) => Read(File.ReadAllBytes(path), path);

    public static CmdbImportResult Read(ReadOnlySpan<byte> utf8, string source = "<json>")
    {
        var lines = new LineIndex(utf8);
        var cis = new List<ConfigurationItem>();
        var relations = new List<CmdbRelation>();
        var errors = new List<CmdbImportError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        void Error(long offset, string message)
        {
            var (line, col) = lines.Locate(offset);
            errors.Add(new CmdbImportError(source, line, col, message));
        }

        var pendingRelations = new List<(CmdbRelation Relation, long Offset)>();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Error(reader.TokenStartIndex, "expected a JSON object with \"cis\" and \"relations\"");
                return new CmdbImportResult(new CmdbDocument(cis, relations), errors);
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var section = reader.GetString();
                reader.Read();
                if (section is "cis" or "relations")
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        Error(reader.TokenStartIndex, $"\"{section}\" must be an array");
                        reader.Skip();
                        continue;
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = reader.TokenStartIndex;
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            Error(start, $"each entry of \"{section}\" must be an object");
                            reader.Skip();
                            continue;
                        }
                        var fields = ReadObject(ref reader, start, Error);
                        if (section == "cis")
                        {
                            var ci = ToCi(fields, start, Error);
                            if (ci is null) continue;
                            if (!ids.Add(ci.Id)) { Error(start, $"duplicate CI id '{ci.Id}' (first one kept)"); continue; }
                            cis.Add(ci);
                        }
                        else
                        {
                            var rel = ToRelation(fields, start, Error);
                            if (rel is not null) pendingRelations.Add((rel, start));
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            errors.Add(new CmdbImportError(source, (ex.LineNumber ?? 0) + 1, (ex.BytePositionInLine ?? 0) + 1,
                $"JSON syntax error: {ex.Message}"));
        }

        // Relations may precede the CIs they name, so they are checked once every CI is known.
        var seen = new HashSet<CmdbRelation>();
        foreach (var (rel, offset) in pendingRelations)
        {
            if (!ids.Contains(rel.From)) Error(offset, $"relation names unknown CI '{rel.From}' in \"from\"");
            else if (!ids.Contains(rel.To)) Error(offset, $"relation names unknown CI '{rel.To}' in \"to\"");
            else if (seen.Add(rel)) relations.Add(rel);
        }
        return new CmdbImportResult(new CmdbDocument(cis, relations), errors);
    }

    private delegate void ErrorSink(long offset, string message);

    private static Dictionary<string, object?> ReadObject(ref Utf8JsonReader reader, long start, ErrorSink error)
    {
        var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var nested = new Dictionary<string, string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    var value = ScalarText(ref reader);
                    if (value is null) error(reader.TokenStartIndex, $"attribute '{key}' must be a scalar (skipped)");
                    else nested[key] = value;
                }
                fields[name] = nested;
            }
            else
            {
                fields[name] = ScalarText(ref reader);
            }
        }
        return fields;
    }

    /// <summary>Scalar as text (numbers keep their JSON spelling); arrays/objects are skipped and give null.</summary>
    private static string? ScalarText(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String: return reader.GetString();
            case JsonTokenType.Number: return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.True: return "true";
            case JsonTokenType.False: return "false";
            case JsonTokenType.Null: return null;
            default: reader.Skip(); return null;
        }
    }

    private static string? Text(Dictionary<string, object?> fields, string key) =>
        fields.TryGetValue(key, out var v) && v is string s && s.Length > 0 ? s : null;

    private static ConfigurationItem? ToCi(Dictionary<string, object?> f, long offset, ErrorSink error)
    {
        var id = Text(f, "id");
        if (id is null) { error(offset, "CI without a string \"id\" (skipped)"); return null; }
        var type = Text(f, "type");
        if (type is null) error(offset, $"CI '{id}' has no \"type\" (kept as \"unknown\")");
        return new ConfigurationItem(id, type ?? "unknown", Text(f, "name") ?? id)
        {
            Attributes = f.TryGetValue("attributes", out var a) && a is Dictionary<string, string> d
                ? d : new Dictionary<string, string>(StringComparer.Ordinal),
            OwnerGroup = Text(f, "owner_group") ?? Text(f, "ownerGroup"),
            Criticality = Text(f, "criticality"),
        };
    }

    private static CmdbRelation? ToRelation(Dictionary<string, object?> f, long offset, ErrorSink error)
    {
        var from = Text(f, "from");
        var to = Text(f, "to");
        var typeText = Text(f, "type");
        if (from is null || to is null) { error(offset, "relation needs string \"from\" and \"to\" (skipped)"); return null; }
        if (!RelationTypes.TryParse(typeText, out var type))
        {
            error(offset, $"relation {from}->{to} has unknown type '{typeText}' (skipped; expected runs-on, depends-on, connects-to or member-of)");
            return null;
        }
        if (from == to) { error(offset, $"relation {from}->{to} points at itself (skipped)"); return null; }
        return new CmdbRelation(from, to, type);
    }

    /// <summary>Writes the document in the §9.3 format (indented, UTF-8, no BOM).</summary>
    public static void Write(Stream stream, CmdbDocument document)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartArray("cis");
        foreach (var ci in document.Cis)
        {
            w.WriteStartObject();
            w.WriteString("id", ci.Id);
            w.WriteString("type", ci.Type);
            w.WriteString("name", ci.Name);
            w.WriteStartObject("attributes");
            foreach (var (k, v) in ci.Attributes) w.WriteString(k, v);
            w.WriteEndObject();
            if (ci.OwnerGroup is not null) w.WriteString("owner_group", ci.OwnerGroup);
            if (ci.Criticality is not null) w.WriteString("criticality", ci.Criticality);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("relations");
        foreach (var r in document.Relations)
        {
            w.WriteStartObject();
            w.WriteString("from", r.From);
            w.WriteString("to", r.To);
            w.WriteString("type", RelationTypes.ToWire(r.Type));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteFile(string path, CmdbDocument document)
    {
        using var fs = File.Create(path);
        Write(fs, document);
    }

    /// <summary>Byte offset to 1-based line/column, built once per document.</summary>
    private sealed class LineIndex
    {
        private readonly List<long> _starts = [0];

        public LineIndex(ReadOnlySpan<byte> text)
        {
            for (var i = 0; i < text.Length; i++)
                if (text[i] == (byte)'\n') _starts.Add(i + 1);
        }

        public (long Line, long Column) Locate(long offset)
        {
            var i = _starts.BinarySearch(offset);
            if (i < 0) i = ~i - 1;
            return (i + 1, offset - _starts[i] + 1);
        }
    }
}
