using Aiops.Silo;

var app = AiopsHost.Build(args);
await app.RunAsync();

/// <summary>Entry point; public for test hosts.</summary>
public partial class Program;
