using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace XPaste.Tests.Hub;

/// <summary>
/// A Hugging Face Hub look-alike on 127.0.0.1 (random free port) serving in-memory repositories: the revision API
/// with <c>blobs=true</c>, <c>resolve</c> URLs that redirect LFS files to a CDN path carrying X-Linked-Size and
/// X-Linked-Etag like the real Hub, and range requests. Faults can be injected per file.
/// </summary>
internal sealed class FakeHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, FakeRepo> _repos = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();

    public FakeHub()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    /// <summary>Every request as "METHOD path range".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The content GETs of a file (its CDN path for LFS files, its resolve URL otherwise), with their ranges.</summary>
    public List<string> ContentRequests(FakeFile file) =>
        Requests.Where(r => r.StartsWith("GET ", StringComparison.Ordinal))
            .Where(r => file.Lfs ? r.Split(' ')[1] == "/cdn/" + file.Sha256 : r.Split(' ')[1].EndsWith("/" + file.Path, StringComparison.Ordinal) && r.Contains("/resolve/", StringComparison.Ordinal))
            .ToList();

    public FakeRepo AddRepo(string repoId, string commit)
    {
        var repo = new FakeRepo(repoId, commit);
        _repos[repoId] = repo;
        return repo;
    }

    public void Dispose()
    {
        if (!_listener.IsListening)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ServeAsync()
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

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        HttpListenerResponse response = context.Response;
        string path = request.Url!.AbsolutePath;
        Requests.Enqueue($"{request.HttpMethod} {Uri.UnescapeDataString(path)} {request.Headers["Range"]}".TrimEnd());
        try
        {
            if (path.StartsWith("/api/models/", StringComparison.Ordinal))
            {
                await ServeApiAsync(path["/api/models/".Length..], request, response);
            }
            else if (path.StartsWith("/cdn/", StringComparison.Ordinal))
            {
                string sha = path["/cdn/".Length..];
                FakeFile? file = _repos.Values.SelectMany(r => r.Files.Values).FirstOrDefault(f => f.Sha256 == sha);
                if (file is null)
                {
                    response.StatusCode = 404;
                    response.Close();
                    return;
                }

                await ServeContentAsync(file, request, response);
            }
            else if (path.Contains("/resolve/", StringComparison.Ordinal))
            {
                int at = path.IndexOf("/resolve/", StringComparison.Ordinal);
                string repoId = path[1..at];
                string[] rest = path[(at + "/resolve/".Length)..].Split('/', 2);
                string filePath = Uri.UnescapeDataString(rest[1]);
                if (!_repos.TryGetValue(repoId, out FakeRepo? repo) || rest[0] != repo.Commit || !repo.Files.TryGetValue(filePath, out FakeFile? file))
                {
                    response.StatusCode = 404;
                    response.Headers["X-Error-Message"] = "Entry not found";
                    response.Close();
                    return;
                }

                if (file.Lfs)
                {
                    // The real Hub answers LFS files with a redirect to its CDN and the metadata on the redirect.
                    response.StatusCode = 302;
                    response.RedirectLocation = $"/cdn/{file.Sha256}";
                    response.Headers["X-Linked-Size"] = file.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
                    response.Headers["X-Repo-Commit"] = repo.Commit;
                    response.Close();
                    return;
                }

                response.Headers["ETag"] = $"\"{file.BlobId}\"";
                await ServeContentAsync(file, request, response);
            }
            else
            {
                response.StatusCode = 404;
                response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    private async Task ServeApiAsync(string rest, HttpListenerRequest request, HttpListenerResponse response)
    {
        int at = rest.IndexOf("/revision/", StringComparison.Ordinal);
        string repoId = at < 0 ? rest : rest[..at];
        string revision = at < 0 ? "main" : Uri.UnescapeDataString(rest[(at + "/revision/".Length)..]);
        if (!_repos.TryGetValue(repoId, out FakeRepo? repo) || (revision != "main" && revision != repo.Commit))
        {
            response.StatusCode = 404;
            response.Headers["X-Error-Message"] = "Repository not found";
            response.Close();
            return;
        }

        bool blobs = request.QueryString["blobs"] == "true";
        var siblings = repo.Files.Values.Select(f => f.HideMetadata || !blobs
            ? (object)new { rfilename = f.Path }
            : f.Lfs
                ? new { rfilename = f.Path, blobId = f.BlobId, size = (long)f.Content.Length, lfs = new { sha256 = f.Sha256, size = (long)f.Content.Length, pointerSize = 134 } }
                : new { rfilename = f.Path, blobId = f.BlobId, size = (long)f.Content.Length }).ToList();
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new { id = repo.RepoId, sha = repo.Commit, siblings });
        response.ContentType = "application/json";
        response.ContentLength64 = json.Length;
        await response.OutputStream.WriteAsync(json);
        response.Close();
    }

    private async Task ServeContentAsync(FakeFile file, HttpListenerRequest request, HttpListenerResponse response)
    {
        int call = Interlocked.Increment(ref file.ContentCalls);
        byte[] content = file.Corrupt ? Corrupted(file.Content) : file.Content;
        long from = 0;
        string? range = request.Headers["Range"];
        if (range is not null && !file.IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (from >= content.Length)
            {
                response.StatusCode = 416;
                response.Close();
                return;
            }

            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }

        response.ContentLength64 = content.Length - from;
        response.SendChunked = false;
        if (request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }

        if (file.Stall)
        {
            // Send a little, then nothing more until the hub stops: only the client's cancellation ends the wait.
            await response.OutputStream.WriteAsync(content.AsMemory((int)from, Math.Min(16, content.Length - (int)from)));
            await response.OutputStream.FlushAsync();
            file.Stalled.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
            }

            response.Abort();
            return;
        }

        if (file.CutOffAfter is int cut && call <= file.CutOffCalls)
        {
            // Send part of the body, then drop the connection as a flaky network would.
            await response.OutputStream.WriteAsync(content.AsMemory((int)from, Math.Min(cut, content.Length - (int)from)));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        await response.OutputStream.WriteAsync(content.AsMemory((int)from));
        response.Close();
    }

    private static byte[] Corrupted(byte[] content)
    {
        byte[] copy = (byte[])content.Clone();
        copy[copy.Length / 2] ^= 0xFF;
        return copy;
    }
}

internal sealed class FakeRepo(string repoId, string commit)
{
    public string RepoId { get; } = repoId;

    public string Commit { get; } = commit;

    public Dictionary<string, FakeFile> Files { get; } = new(StringComparer.Ordinal);

    public FakeFile Add(string path, byte[] content, bool lfs)
    {
        var file = new FakeFile(path, content, lfs);
        Files[path] = file;
        return file;
    }
}

internal sealed class FakeFile(string path, byte[] content, bool lfs)
{
    public int ContentCalls;

    public string Path { get; } = path;

    public byte[] Content { get; } = content;

    public bool Lfs { get; } = lfs;

    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(content));

#pragma warning disable CA5350 // git names blobs by SHA-1; nothing here relies on it for security.
    public string BlobId { get; } = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
#pragma warning restore CA5350

    /// <summary>Cut the first <see cref="CutOffCalls"/> content responses off after this many bytes.</summary>
    public int? CutOffAfter { get; set; }

    public int CutOffCalls { get; set; } = 1;

    /// <summary>Send the first bytes of the content, then stall until the hub is disposed.</summary>
    public bool Stall { get; set; }

    /// <summary>Completed when a stalled response has sent its first bytes.</summary>
    public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Serve the whole file with 200 even when a range is asked for.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Serve content that does not match the announced hash.</summary>
    public bool Corrupt { get; set; }

    /// <summary>Leave size and hashes out of the API listing (the client must use the resolve headers).</summary>
    public bool HideMetadata { get; set; }
}
