using Aiops.Eval.Nab;

namespace Aiops.Analytics.Tests.Nab;

public class NabCsvTests
{
    [Fact]
    public void Read_BadValueAndTimestamp_ReportsLineAndColumnAndKeepsGoodRows()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nabcsv-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path,
            "timestamp,value\n" +
            "2014-04-01 00:00:00,1.5\n" +
            "2014-04-01 00:05:00,abc\n" +
            "2014-04-01 00:10,2\n" +
            "2014-04-01 00:15:00,3\n");
        try
        {
            var errors = new List<NabCsvError>();

            var series = NabCsv.Read(path, "value", errors);

            Assert.Equal([1.5, 3.0], series.Values);
            Assert.Equal(2, errors.Count);
            Assert.Equal((3, 21), (errors[0].Line, errors[0].Column));
            Assert.Contains("abc", errors[0].Message);
            Assert.Equal((4, 1), (errors[1].Line, errors[1].Column));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_MissingColumn_ReportsHeader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nabcsv-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "timestamp,val\n2014-04-01 00:00:00,1\n");
        try
        {
            var errors = new List<NabCsvError>();

            var series = NabCsv.Read(path, "value", errors);

            Assert.Empty(series.Values);
            var error = Assert.Single(errors);
            Assert.Equal(1, error.Line);
            Assert.Contains("value", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
