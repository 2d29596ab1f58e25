namespace Aiops.Abstractions.Models;

/// <summary>
/// A maintenance or change window on a CI (DESIGN §7). During a window, events on the CI — and, with
/// <paramref name="IncludeDependents"/>, on everything that depends on it — are annotated and do not page. A change
/// (kind <c>change</c>) on an incident's root CI in the 24 h before the incident is shown as a likely cause.
/// </summary>
/// <param name="Id">Identifier (assigned when created).</param>
/// <param name="Ci">The CI under maintenance or change.</param>
/// <param name="Kind"><c>maintenance</c> or <c>change</c>.</param>
/// <param name="Start">Start (event time).</param>
/// <param name="End">End (event time).</param>
/// <param name="Description">What is done, e.g. a change record number and title.</param>
/// <param name="CreatedBy">Who registered it.</param>
/// <param name="IncludeDependents">Whether CIs depending on <paramref name="Ci"/> are covered too (default true: a switch's maintenance covers its hosts).</param>
[GenerateSerializer, Immutable, Alias("aiops.ChangeWindow")]
public sealed record ChangeWindow(
    [property: Id(0)] string Id,
    [property: Id(1)] string Ci,
    [property: Id(2)] string Kind,
    [property: Id(3)] DateTimeOffset Start,
    [property: Id(4)] DateTimeOffset End,
    [property: Id(5)] string Description,
    [property: Id(6)] string CreatedBy,
    [property: Id(7)] bool IncludeDependents = true);
