// Aiops.Analytics: pure analytics (detectors, forecasters, correlation). No Orleans reference, so the
// eval CLI, the benchmarks and the grains run the very same classes.
[assembly: System.CLSCompliant(false)]
