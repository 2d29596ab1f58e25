using Aiops.Ingest.Otlp;

namespace Aiops.Ingest.Tests.Otlp;

public class OtlpMetricsServiceTests
{
    [Fact]
    public void Describe_FewRejections_NamesEachInOrder()
    {
        var text = OtlpMetricsService.Describe(2, 9, [new(1, "a.b", "bad one"), new(4, "c", "bad two")]);

        Assert.Equal("2 of 9 data points rejected: data point 1 of metric 'a.b': bad one; data point 4 of metric 'c': bad two", text);
    }

    [Fact]
    public void Describe_MoreRejectionsThanShown_NamesTheFirstTenAndMarksTheRest()
    {
        var rejections = Enumerable.Range(0, 30).Select(i => new OtlpRejection(i, "m", "r")).ToList();

        var text = OtlpMetricsService.Describe(500, 1000, rejections);

        Assert.StartsWith("500 of 1000 data points rejected: data point 0 of metric 'm': r;", text, StringComparison.Ordinal);
        Assert.Contains("data point 9 of metric 'm'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("data point 10 ", text, StringComparison.Ordinal);
        Assert.EndsWith("; …", text, StringComparison.Ordinal);
    }
}
