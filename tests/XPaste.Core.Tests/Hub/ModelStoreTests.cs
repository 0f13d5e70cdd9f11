using System.Net;
using XPaste.Clip;
using XPaste.Hub;

namespace XPaste.Tests.Hub;

public sealed class ModelStoreTests : IDisposable
{
    private const string Repo = "openai/clip-tiny";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly FakeHub _hub = new();
    private readonly TempFolder _cache = new();
    private readonly FakeRepo _repo;
    private readonly FakeFile _weights;
    private readonly FakeFile _config;

    public ModelStoreTests()
    {
        _repo = _hub.AddRepo(Repo, Commit);
        string tiny = ClipModelTestsFolder();
        _config = _repo.Add("config.json", File.ReadAllBytes(Path.Combine(tiny, "config.json")), lfs: false);
        _repo.Add("vocab.json", File.ReadAllBytes(Path.Combine(tiny, "vocab.json")), lfs: false);
        _repo.Add("merges.txt", File.ReadAllBytes(Path.Combine(tiny, "merges.txt")), lfs: false);
        _weights = _repo.Add("model.safetensors", File.ReadAllBytes(Path.Combine(tiny, "model.safetensors")), lfs: true);
        _repo.Add("onnx/model.onnx", [1, 2, 3, 4, 5], lfs: true);
    }

    public void Dispose()
    {
        _hub.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Download_fills_the_huggingface_hub_cache_layout_and_the_model_loads_from_it()
    {
        var reports = new List<OperationProgress>();
        using ModelStore store = Store();

        string snapshot = await store.DownloadAsync(Repo, include: ["config.json", "vocab.json", "merges.txt", "*.safetensors"],
            progress: new SyncProgress<OperationProgress>(reports.Add));

        string repoFolder = Path.Combine(_cache.Path, "models--openai--clip-tiny");
        Assert.Equal(Path.Combine(repoFolder, "snapshots", Commit), snapshot);
        Assert.Equal(repoFolder, store.GetRepoFolder(Repo));
        Assert.Equal(Commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        Assert.Equal(_weights.Content, File.ReadAllBytes(Path.Combine(repoFolder, "blobs", _weights.Sha256)));
        Assert.Equal(_config.Content, File.ReadAllBytes(Path.Combine(repoFolder, "blobs", _config.BlobId)));
        Assert.Equal(Path.Combine("..", "..", "blobs", _weights.Sha256), new FileInfo(Path.Combine(snapshot, "model.safetensors")).LinkTarget);
        Assert.Equal(["config.json", "merges.txt", "model.safetensors", "vocab.json"],
            Directory.GetFiles(snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(repoFolder, "blobs")), f => f.EndsWith(".incomplete", StringComparison.Ordinal));

        OperationProgress last = reports.Last(r => r.Stage == "download model.safetensors");
        Assert.Equal(_weights.Content.Length, last.Done);
        Assert.Equal(_weights.Content.Length, last.Total);
        Assert.Equal("bytes", last.Unit);

        using ClipModel model = ClipModel.FromPretrained(snapshot);
        Assert.True(model.LoadReport!.IsExact);
        Assert.Equal(49408, ClipTokenizer.FromFolder(snapshot).VocabularySize);
    }

    [Fact]
    public async Task Cached_files_are_not_downloaded_again_and_nested_paths_are_linked()
    {
        using ModelStore store = Store();
        await store.DownloadAsync(Repo);
        int requests = _hub.Requests.Count;

        string snapshot = await store.DownloadAsync(Repo);

        Assert.Equal(requests + 1, _hub.Requests.Count); // only the revision API call
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, File.ReadAllBytes(Path.Combine(snapshot, "onnx", "model.onnx")));
        Assert.Equal(1, _weights.ContentCalls);
    }

    [Fact]
    public async Task Offline_mode_uses_only_the_cache_and_never_the_network()
    {
        using (ModelStore online = Store())
        {
            await online.DownloadAsync(Repo, include: ["*.json"]);
        }

        var options = new HubOptions { Endpoint = _hub.Endpoint, CacheFolder = _cache.Path, Offline = true };
        using var noNetwork = new HttpClient(new ThrowingHandler());
        using var offline = new ModelStore(options, noNetwork);

        string snapshot = await offline.DownloadAsync(Repo, include: ["config.json", "vocab.json"]);
        Assert.True(File.Exists(Path.Combine(snapshot, "config.json")));
        Assert.Equal(snapshot, await offline.DownloadAsync(Repo, revision: Commit, include: ["*.json"]));
        Assert.Equal(snapshot, offline.FindCached(Repo));

        var missing = await Assert.ThrowsAsync<HubOfflineException>(() => offline.DownloadAsync(Repo, include: ["model.safetensors"]));
        Assert.Contains("offline", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubOfflineException>(() => offline.DownloadAsync(Repo, revision: "v2"));
        await Assert.ThrowsAsync<HubOfflineException>(() => offline.GetRepoInfoAsync(Repo));
        Assert.Null(offline.FindCached("openai/other"));
    }

    [Fact]
    public async Task A_response_cut_off_mid_file_is_resumed_with_a_range_request()
    {
        _weights.CutOffAfter = 1_000_000;
        using ModelStore store = Store();

        string snapshot = await store.DownloadAsync(Repo, include: ["model.safetensors"]);

        Assert.Equal(_weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        List<string> gets = _hub.ContentRequests(_weights);
        Assert.Equal(2, gets.Count);
        Assert.DoesNotContain("bytes=", gets[0], StringComparison.Ordinal);
        Assert.EndsWith("bytes=1000000-", gets[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partial_file_left_by_an_earlier_run_is_resumed()
    {
        string blobs = Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs");
        Directory.CreateDirectory(blobs);
        await File.WriteAllBytesAsync(Path.Combine(blobs, _weights.Sha256 + ".incomplete"), _weights.Content.AsSpan(0, 123_456).ToArray());
        using ModelStore store = Store();

        string snapshot = await store.DownloadAsync(Repo, include: ["model.safetensors"]);

        Assert.Equal(_weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Equal([$"GET /cdn/{_weights.Sha256} bytes=123456-"], _hub.ContentRequests(_weights));
    }

    [Fact]
    public async Task A_download_another_process_holds_waits_for_it_and_then_finds_the_blob_done()
    {
        string blobs = Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs");
        string lockFile = Path.Combine(_cache.Path, ".locks", "models--openai--clip-tiny", _weights.Sha256 + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        using ModelStore store = Store();
        Task<string> waiting;
        using (XPaste.IO.FileLock.TryAcquire(lockFile) ?? throw new InvalidOperationException("lock busy"))
        {
            waiting = store.DownloadAsync(Repo, include: ["model.safetensors"]);
            await Task.Delay(700);
            Assert.False(waiting.IsCompleted);
            Assert.Empty(_hub.ContentRequests(_weights));

            // What the other process does while it holds the lock.
            Directory.CreateDirectory(blobs);
            await File.WriteAllBytesAsync(Path.Combine(blobs, _weights.Sha256), _weights.Content);
        }

        string snapshot = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(_weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Empty(_hub.ContentRequests(_weights));
        Assert.False(File.Exists(Path.Combine(blobs, _weights.Sha256 + ".incomplete")));
    }

    [Fact]
    public async Task Waiting_for_another_download_can_be_cancelled_and_leaves_its_partial_file_alone()
    {
        string blobs = Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs");
        string partial = Path.Combine(blobs, _weights.Sha256 + ".incomplete");
        Directory.CreateDirectory(blobs);
        byte[] half = _weights.Content.AsSpan(0, 1000).ToArray();
        await File.WriteAllBytesAsync(partial, half);
        string lockFile = Path.Combine(_cache.Path, ".locks", "models--openai--clip-tiny", _weights.Sha256 + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        using ModelStore store = Store();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        using (XPaste.IO.FileLock.TryAcquire(lockFile) ?? throw new InvalidOperationException("lock busy"))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DownloadAsync(Repo, include: ["model.safetensors"], cancellationToken: cts.Token));
        }

        Assert.Equal(half, File.ReadAllBytes(partial));
        Assert.Empty(_hub.ContentRequests(_weights));
    }

    [Fact]
    public async Task A_server_that_ignores_ranges_gets_the_file_from_the_start()
    {
        _weights.CutOffAfter = 500_000;
        _weights.IgnoreRange = true;
        using ModelStore store = Store();

        string snapshot = await store.DownloadAsync(Repo, include: ["model.safetensors"]);

        Assert.Equal(_weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
    }

    [Fact]
    public async Task Content_that_does_not_match_the_announced_sha256_is_rejected_and_deleted()
    {
        _weights.Corrupt = true;
        using ModelStore store = Store();

        var ex = await Assert.ThrowsAsync<HubIntegrityException>(() => store.DownloadAsync(Repo, include: ["model.safetensors"]));

        Assert.Equal("model.safetensors", ex.File);
        Assert.Equal("SHA-256 " + _weights.Sha256, ex.Expected);
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        string blobs = Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs");
        Assert.Empty(Directory.GetFiles(blobs));
    }

    [Fact]
    public async Task Small_files_are_checked_against_their_git_blob_id()
    {
        _config.Corrupt = true;
        using ModelStore store = Store();

        var ex = await Assert.ThrowsAsync<HubIntegrityException>(() => store.DownloadAsync(Repo, include: ["config.json"]));

        Assert.Equal("git blob " + _config.BlobId, ex.Expected);
    }

    [Fact]
    public async Task Metadata_missing_from_the_listing_comes_from_the_linked_headers()
    {
        _weights.HideMetadata = true;
        _config.HideMetadata = true;
        using ModelStore store = Store();

        string snapshot = await store.DownloadAsync(Repo, include: ["model.safetensors", "config.json"]);

        Assert.Equal(_weights.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.Contains(_hub.Requests, r => r.StartsWith("HEAD /openai/clip-tiny/resolve/", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs", _weights.Sha256)));
        Assert.True(File.Exists(Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs", _config.BlobId)));

        _weights.Corrupt = true;
        File.Delete(Path.Combine(_cache.Path, "models--openai--clip-tiny", "blobs", _weights.Sha256));
        await Assert.ThrowsAsync<HubIntegrityException>(() => store.DownloadAsync(Repo, include: ["model.safetensors"]));
    }

    [Fact]
    public async Task Unknown_repositories_revisions_and_files_are_not_found()
    {
        using ModelStore store = Store();
        await Assert.ThrowsAsync<HubNotFoundException>(() => store.DownloadAsync("openai/none"));
        await Assert.ThrowsAsync<HubNotFoundException>(() => store.DownloadAsync(Repo, revision: "v9"));
        var file = await Assert.ThrowsAsync<HubNotFoundException>(() => store.DownloadAsync(Repo, include: ["pytorch_model.bin"]));
        Assert.Contains("pytorch_model.bin", file.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => store.GetRepoFolder("../etc"));
        await Assert.ThrowsAsync<InvalidInputException>(() => store.DownloadAsync("a--b/c"));
    }

    [Fact]
    public async Task Repo_info_lists_files_with_sizes_and_hashes()
    {
        using ModelStore store = Store();
        HubRepoInfo info = await store.GetRepoInfoAsync(Repo);
        Assert.Equal(Commit, info.Commit);
        HubFile weights = info.Files.Single(f => f.Path == "model.safetensors");
        Assert.Equal(_weights.Content.Length, weights.Size);
        Assert.Equal(_weights.Sha256, weights.Sha256);
        Assert.Equal(_weights.Sha256, weights.Etag);
        HubFile config = info.Files.Single(f => f.Path == "config.json");
        Assert.Null(config.Sha256);
        Assert.Equal(_config.BlobId, config.Etag);
    }

    [Fact]
    public async Task An_unreachable_hub_falls_back_to_a_complete_cache()
    {
        using (ModelStore online = Store())
        {
            await online.DownloadAsync(Repo, include: ["config.json"]);
        }

        _hub.Dispose();
        using ModelStore store = Store();
        Assert.Equal(Path.Combine(_cache.Path, "models--openai--clip-tiny", "snapshots", Commit),
            await store.DownloadAsync(Repo, include: ["config.json"]));
        await Assert.ThrowsAsync<HubOfflineException>(() => store.DownloadAsync(Repo, include: ["model.safetensors"]));
    }

    [Fact]
    public async Task A_clip_model_is_a_folder_as_it_is_or_a_repository_fetched_into_the_cache()
    {
        using ModelStore store = Store();
        string folder = ClipModelTestsFolder();
        Assert.Equal(Path.GetFullPath(folder), await ClipHub.ResolveAsync(folder, store));
        Assert.Empty(_hub.Requests);

        string snapshot = await ClipHub.ResolveAsync(Repo, store);
        Assert.Equal(Path.Combine(_cache.Path, "models--openai--clip-tiny", "snapshots", Commit), snapshot);
        Assert.True(File.Exists(Path.Combine(snapshot, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(snapshot, "onnx", "model.onnx")));

        string tokenizerOnly = await ClipHub.ResolveAsync(Repo, store, ["vocab.json"]);
        Assert.Equal(snapshot, tokenizerOnly);

        var missing = await Assert.ThrowsAsync<InvalidInputException>(() => ClipHub.ResolveAsync(_cache.File("no", "such", "model"), store));
        Assert.Equal("model folder not found", missing.Problem);
        await Assert.ThrowsAsync<InvalidInputException>(() => ClipHub.ResolveAsync("./clip", store));
        await Assert.ThrowsAsync<HubNotFoundException>(() => ClipHub.ResolveAsync("openai/no-such-model", store));
    }

    [Fact]
    public void Defaults_follow_the_huggingface_hub_environment_variables()
    {
        // The variables come from a dictionary: changing the process's environment would race the tests running beside this one.
        static HubOptions From(Dictionary<string, string> variables) => new(name => variables.GetValueOrDefault(name));

        var options = From(new() { ["HF_ENDPOINT"] = "http://mirror.example", ["HF_HOME"] = "/data/hf", ["HF_HUB_OFFLINE"] = "1", ["HF_TOKEN"] = "hf_x" });
        Assert.Equal("http://mirror.example", options.Endpoint);
        Assert.Equal(Path.Combine("/data/hf", "hub"), options.CacheFolder);
        Assert.True(options.Offline);
        Assert.Equal("hf_x", options.Token);

        options = From(new() { ["HF_HUB_CACHE"] = "/fast/cache", ["HF_HOME"] = "/data/hf", ["HF_HUB_OFFLINE"] = "0" });
        Assert.Equal("/fast/cache", options.CacheFolder);
        Assert.Equal("https://huggingface.co", options.Endpoint);
        Assert.False(options.Offline);
        Assert.Null(options.Token);

        options = From(new() { ["XDG_CACHE_HOME"] = "/xdg", ["HF_HUB_OFFLINE"] = "yes" });
        Assert.Equal(Path.Combine("/xdg", "huggingface", "hub"), options.CacheFolder);
        Assert.True(options.Offline);
    }

    [Fact]
    public async Task Clip_download_takes_config_tokenizer_and_one_weights_file()
    {
        _repo.Add("pytorch_model.bin", [9, 9, 9], lfs: true);
        _repo.Add("tf_model.h5", [8, 8], lfs: true);
        using ModelStore store = Store();

        string snapshot = await ClipHub.DownloadAsync(store, Repo);

        Assert.Equal(["config.json", "merges.txt", "model.safetensors", "vocab.json"],
            Directory.GetFiles(snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(_hub.Requests, r => r.Contains("pytorch_model.bin", StringComparison.Ordinal) || r.Contains("tf_model", StringComparison.Ordinal));

        // A repository without safetensors gets its torch.save weights instead.
        FakeRepo old = _hub.AddRepo("openai/old-clip", "89abcdef0123456789abcdef0123456789abcdef");
        foreach (FakeFile file in _repo.Files.Values.Where(f => f.Path is "config.json" or "vocab.json" or "merges.txt" or "pytorch_model.bin"))
        {
            old.Add(file.Path, file.Content, file.Lfs);
        }

        string oldSnapshot = await ClipHub.DownloadAsync(store, "openai/old-clip");
        Assert.True(File.Exists(Path.Combine(oldSnapshot, "pytorch_model.bin")));
        Assert.False(File.Exists(Path.Combine(oldSnapshot, "model.safetensors")));

        // Offline, the cached set is found again.
        var offline = new ModelStore(new HubOptions { Endpoint = _hub.Endpoint, CacheFolder = _cache.Path, Offline = true },
            new HttpClient(new ThrowingHandler()));
        using (offline)
        {
            Assert.Equal(snapshot, await ClipHub.DownloadAsync(offline, Repo));
            Assert.Equal(oldSnapshot, await ClipHub.DownloadAsync(offline, "openai/old-clip"));
        }
    }

    private ModelStore Store() => new(new HubOptions
    {
        Endpoint = _hub.Endpoint,
        CacheFolder = _cache.Path,
        Offline = false,
        Token = null,
        RetryDelay = TimeSpan.Zero,
        MaxAttempts = 3,
    });

    private static string ClipModelTestsFolder() => TestFiles.Data("clip", "clip_tiny");

    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"offline mode sent {request.Method} {request.RequestUri}");
    }
}
