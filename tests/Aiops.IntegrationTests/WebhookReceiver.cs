using System.Collections.Concurrent;
using System.Net;

namespace Aiops.IntegrationTests;

/// <summary>Records every POST it receives (the stand-in for an ITSM tool's inbound webhook: a real HTTP server on loopback).</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();

    public WebhookReceiver()
    {
        Url = $"http://127.0.0.1:{TestSilos.FreePort()}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)> Received { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            Received.Enqueue((headers, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
