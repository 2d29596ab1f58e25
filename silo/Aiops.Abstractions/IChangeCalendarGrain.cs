using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>Maintenance and change windows (key <c>"default"</c>), persisted; read by the incident manager.</summary>
[Alias("aiops.IChangeCalendarGrain")]
public interface IChangeCalendarGrain : IGrainWithStringKey
{
    /// <summary>Registers a window; returns it with its id.</summary>
    Task<ChangeWindow> Add(ChangeWindow window);

    /// <summary>Removes a window; false when unknown.</summary>
    Task<bool> Remove(string id);

    /// <summary>All windows, newest start first, with the calendar's version (grows on every change).</summary>
    Task<(IReadOnlyList<ChangeWindow> Windows, long Version)> List();
}
