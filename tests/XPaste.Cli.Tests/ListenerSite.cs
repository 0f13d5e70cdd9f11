using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace XPaste.Cli.Tests;

/// <summary>A minimal web site on 127.0.0.1 (HttpListener) serving fixed bytes per path after a delay; 404 elsewhere.</summary>
internal sealed class ListenerSite : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TimeSpan> _firstDelays = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly TimeSpan _delay;
    private readonly Task _loop;

    public ListenerSite(TimeSpan delay)
    {
        _delay = delay;
        // A free port: bind port 0, read it, release it for the listener.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            BaseUrl = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        }

        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    public void Add(string path, byte[] body) => _files[path] = body;

    /// <summary>The first request for <paramref name="path"/> waits <paramref name="delay"/> more before it is answered (a timeout, once).</summary>
    public void DelayFirstRequest(string path, TimeSpan delay) => _firstDelays[path] = delay;

    /// <summary>How many requests <paramref name="path"/> received.</summary>
    public int Hits(string path) => _hits.GetValueOrDefault(path);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    string path = context.Request.Url!.AbsolutePath;
                    _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
                    await Task.Delay(_firstDelays.TryRemove(path, out TimeSpan first) ? _delay + first : _delay);
                    if (_files.TryGetValue(path, out byte[]? body))
                    {
                        context.Response.ContentType = "image/jpeg";
                        context.Response.ContentLength64 = body.Length;
                        await context.Response.OutputStream.WriteAsync(body);
                    }
                    else
                    {
                        context.Response.StatusCode = 404;
                    }

                    context.Response.Close();
                }
                catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // The client went away (the killed crawl).
                }
            });
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }
}
