using Microsoft.AspNetCore.Builder;

namespace Aiops.Ingest.Otlp;

/// <summary>
/// Applies every convention to several endpoint builders, so <c>MapAiopsIngest(...).RequireHost(grpcPort)</c> in the
/// host keeps restricting both gRPC services (Aiops telemetry and OTLP) to the gRPC port with no change on its side.
/// </summary>
public sealed class CompositeEndpointConventionBuilder(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
