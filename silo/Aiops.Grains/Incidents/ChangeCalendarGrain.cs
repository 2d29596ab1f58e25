using Aiops.Abstractions;
using Aiops.Abstractions.Models;

namespace Aiops.Grains.Incidents;

/// <summary>Persisted state of the change calendar.</summary>
[GenerateSerializer, Alias("aiops.ChangeCalendarState")]
public sealed class ChangeCalendarState
{
    [Id(0)] public List<ChangeWindow> Windows { get; set; } = [];

    [Id(1)] public long Version { get; set; }

    [Id(2)] public long NextNumber { get; set; } = 1;
}

/// <summary>The maintenance/change calendar: a small persisted list (at most <see cref="Capacity"/> windows, oldest ended dropped first).</summary>
public sealed class ChangeCalendarGrain([PersistentState("changes")] IPersistentState<ChangeCalendarState> state) : Grain, IChangeCalendarGrain
{
    /// <summary>Windows kept (default 10,000).</summary>
    public const int Capacity = 10_000;

    public async Task<ChangeWindow> Add(ChangeWindow window)
    {
        var s = state.State;
        var stored = window with { Id = $"CHG-{s.NextNumber++:D6}" };
        s.Windows.Add(stored);
        if (s.Windows.Count > Capacity)
        {
            s.Windows.Remove(s.Windows.MinBy(w => w.End)!);
        }

        s.Version++;
        await state.WriteStateAsync();
        return stored;
    }

    public async Task<bool> Remove(string id)
    {
        var s = state.State;
        if (s.Windows.RemoveAll(w => w.Id == id) == 0)
        {
            return false;
        }

        s.Version++;
        await state.WriteStateAsync();
        return true;
    }

    public Task<(IReadOnlyList<ChangeWindow> Windows, long Version)> List() =>
        Task.FromResult<(IReadOnlyList<ChangeWindow>, long)>((state.State.Windows.OrderByDescending(w => w.Start).ToList(), state.State.Version));
}
