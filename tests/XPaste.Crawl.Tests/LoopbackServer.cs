using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace XPaste.Crawl.Tests;

/// <summary>
/// A Kestrel web site on 127.0.0.1 (a free port) whose routes the test sets: the crawler's tests never touch the
/// internet. Counts hits per path and the most requests it ever served at once.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;

    private LoopbackServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The site's root, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Requests per path.</summary>
    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);

    /// <summary>Times of each request per path.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<DateTime>> HitTimes { get; } = new(StringComparer.Ordinal);

    /// <summary>The most requests in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static async Task<LoopbackServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var server = new LoopbackServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/');
        return server;
    }

    /// <summary>The full URL of <paramref name="path"/>.</summary>
    public string Url(string path) => BaseUrl + path;

    /// <summary>Serves <paramref name="handler"/> at <paramref name="path"/>.</summary>
    public void Map(string path, Func<HttpContext, Task> handler) => _routes[path] = handler;

    /// <summary>Serves fixed bytes at <paramref name="path"/>.</summary>
    public void MapBytes(string path, byte[] body, string contentType = "image/jpeg", Action<HttpResponse>? headers = null) =>
        Map(path, async context =>
        {
            context.Response.ContentType = contentType;
            context.Response.ContentLength = body.Length;
            headers?.Invoke(context.Response);
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        });

    private async Task HandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "/";
        Hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        HitTimes.GetOrAdd(path, _ => new ConcurrentQueue<DateTime>()).Enqueue(DateTime.UtcNow);
        int now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            if (_routes.TryGetValue(path, out Func<HttpContext, Task>? handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        }
        catch (OperationCanceledException)
        {
            // The client gave up (a timeout test).
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
