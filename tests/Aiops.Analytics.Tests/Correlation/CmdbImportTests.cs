using System.Text;
using Aiops.Analytics.Cmdb;

namespace Aiops.Analytics.Tests.Correlation;

public class CmdbImportTests
{
    [Fact]
    public void Read_WrittenDocument_RoundTrips()
    {
        var doc = TestEstate.Document();
        doc = doc with { Cis = [.. doc.Cis.Take(3), doc.Cis[3] with { OwnerGroup = "net", Criticality = "high", Attributes = new Dictionary<string, string> { ["model"] = "x,\"y\"" } }, .. doc.Cis.Skip(4)] };
        using var ms = new MemoryStream();
        CmdbJson.Write(ms, doc);
        var back = CmdbJson.Read(ms.ToArray());
        Assert.Empty(back.Errors);
        Assert.Equal(doc.Cis.Count, back.Document.Cis.Count);
        Assert.Equal(doc.Relations, back.Document.Relations);
        var ci = back.Document.Cis[3];
        Assert.Equal("net", ci.OwnerGroup);
        Assert.Equal("high", ci.Criticality);
        Assert.Equal("x,\"y\"", ci.Attributes["model"]);
    }

    [Fact]
    public void Read_BadRelationType_ReportsLineAndColumnAndKeepsTheRest()
    {
        var json = """
            {"cis":[{"id":"a","type":"host","name":"a","attributes":{"rack":7}},
                    {"id":"b","type":"host","name":"b","attributes":{}}],
             "relations":[{"from":"a","to":"b","type":"runs-on"},
              {"from":"b","to":"a","type":"hosts"},
              {"from":"a","to":"zz","type":"depends-on"}]}
            """;
        var r = CmdbJson.Read(Encoding.UTF8.GetBytes(json), "x.json");
        Assert.Equal(2, r.Document.Cis.Count);
        Assert.Equal("7", r.Document.Cis[0].Attributes["rack"]);
        Assert.Single(r.Document.Relations);
        Assert.Equal(2, r.Errors.Count);
        var typeError = r.Errors.Single(e => e.Message.Contains("hosts"));
        Assert.Equal(("x.json", 4L, 3L), (typeError.Source, typeError.Line, typeError.Column));
        Assert.Contains(r.Errors, e => e.Message.Contains("'zz'") && e.Line == 5);
    }

    [Fact]
    public void Read_SyntaxError_KeepsCisReadBeforeIt()
    {
        var json = "{\"cis\":[{\"id\":\"a\",\"type\":\"host\"},\n{\"id\":\"b\",\"type\":\"host\"},\n{\"id\":\"c\" \"type\":\"host\"}]}";
        var r = CmdbJson.Read(Encoding.UTF8.GetBytes(json));
        Assert.Equal(["a", "b"], r.Document.Cis.Select(c => c.Id));
        var e = Assert.Single(r.Errors);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void CsvRead_WrittenDocument_RoundTrips()
    {
        var doc = TestEstate.Document();
        var cis = new StringWriter();
        var rels = new StringWriter();
        CmdbCsv.Write(cis, rels, doc);
        var back = CmdbCsv.Read(new StringReader(cis.ToString()), new StringReader(rels.ToString()));
        Assert.Empty(back.Errors);
        Assert.Equal(doc.Cis.Select(c => (c.Id, c.Type)), back.Document.Cis.Select(c => (c.Id, c.Type)));
        Assert.Equal(doc.Relations, back.Document.Relations);
    }

    [Fact]
    public void CsvRead_BadRows_ReportedWithLineAndSkipped()
    {
        var cis = "id,type,name,owner_group,criticality,attributes\na,host,a,,,\n\"b,host\nc,host,c,,,k=v;bad\n";
        var rels = "from,to,type\na,c,runs-on\na,c,sits-on\n";
        var r = CmdbCsv.Read(new StringReader(cis), new StringReader(rels));
        Assert.Equal(["a", "c"], r.Document.Cis.Select(c => c.Id));
        Assert.Equal("v", r.Document.Cis[1].Attributes["k"]);
        Assert.Single(r.Document.Relations);
        Assert.Contains(r.Errors, e => e.Source == "cis.csv" && e.Line == 3);
        Assert.Contains(r.Errors, e => e.Source == "cis.csv" && e.Line == 4 && e.Message.Contains("bad"));
        Assert.Contains(r.Errors, e => e.Source == "relations.csv" && e.Line == 3 && e.Column == 5);
    }
}
