using System.Net;
using System.Net.Sockets;
using Aiops.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Aiops.IntegrationTests;

/// <summary>Starts in-process silos on free loopback ports, shared by every fixture that runs one.</summary>
internal static class TestSilos
{
    private const int Attempts = 5;

    /// <summary>A port the kernel reports free right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Builds and starts a silo with <paramref name="settings"/> for fresh (HTTP, gRPC, silo, gateway) ports. A port found
    /// free can be taken by another process (a parallel test project, an outgoing connection) before the silo binds it,
    /// so a bind failure is retried on fresh ports.
    /// </summary>
    public static async Task<(WebApplication App, int HttpPort, int GrpcPort)> StartAsync(Func<int, int, int, int, IDictionary<string, string?>> settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            int http = FreePort(), grpc = FreePort(), silo = FreePort(), gateway = FreePort();
            var app = AiopsHost.Build([], b => b.Configuration.AddInMemoryCollection(settings(http, grpc, silo, gateway)));
            try
            {
                await app.StartAsync();
                return (app, http, grpc);
            }
            catch (Exception ex) when (attempt < Attempts && IsAddressInUse(ex))
            {
                await app.DisposeAsync();
            }
        }
    }

    private static bool IsAddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is Microsoft.AspNetCore.Connections.AddressInUseException
                || (ex is SocketException socket && socket.SocketErrorCode == SocketError.AddressAlreadyInUse)
                || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
