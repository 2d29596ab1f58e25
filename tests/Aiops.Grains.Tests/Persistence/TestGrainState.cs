namespace Aiops.Grains.Tests.Persistence;

/// <summary>
/// What a grain's persistent-state facet hands the provider, with a non-null state (Orleans' own
/// <see cref="GrainState{T}"/> annotates it as nullable, which would litter the tests with <c>!</c>).
/// </summary>
public sealed class TestGrainState<T> : IGrainState<T>
    where T : new()
{
    public TestGrainState()
    {
    }

    public TestGrainState(T state) => State = state;

    private T _state = new();

    /// <summary>The provider never sets null here; a test that made it would fail on first use, as it should.</summary>
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public T State { get => _state; set => _state = value!; }

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}
