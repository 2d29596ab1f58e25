using System.Buffers;
using Aiops.Analytics.Anomaly;

namespace Aiops.Analytics.Tests.Anomaly;

public class DetectorFactoryTests
{
    [Fact]
    public void Names_Always_ListAiopsFirstAndNull()
    {
        Assert.Equal("aiops", DetectorFactory.Names[0]);
        Assert.Contains("null", DetectorFactory.Names);
    }

    [Fact]
    public void Create_EachName_ReturnsDetectorWithThatName()
    {
        foreach (string name in DetectorFactory.Names)
        {
            Assert.Equal(name, DetectorFactory.Create(name).Name);
        }
    }

    [Fact]
    public void Create_UnknownName_ThrowsListingKnownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => DetectorFactory.Create("nope"));
        Assert.Contains("aiops", ex.Message);
    }

    [Fact]
    public void NullDetector_AnyInput_ScoresZeroWithEmptyState()
    {
        var detector = DetectorFactory.Create("null");
        Assert.Equal(0.0, detector.Update(0, 1e9));
        var buffer = new ArrayBufferWriter<byte>();
        detector.WriteState(buffer);
        Assert.Equal(0, buffer.WrittenCount);
        Assert.Equal("null", DetectorFactory.Restore("null", buffer.WrittenSpan).Name);
    }
}
