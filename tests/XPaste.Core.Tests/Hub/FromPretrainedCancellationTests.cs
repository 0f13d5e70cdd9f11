using System.Diagnostics;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Generation;
using XPaste.Hub;

namespace XPaste.Tests.Hub;

/// <summary>Every model's <c>FromPretrained</c> takes a Hub id, and its token cancels a download that has stalled.</summary>
public sealed class FromPretrainedCancellationTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly FakeHub _hub = new();
    private readonly TempFolder _cache = new();

    public void Dispose()
    {
        _hub.Dispose();
        _cache.Dispose();
    }

    public static TheoryData<string> Models => ["clip", "clip-filter", "clipseg", "clipseg-extractor", "u2net", "u2net-extractor", "sd", "sd-pipeline"];

    [Theory]
    [MemberData(nameof(Models))]
    public async Task A_stalled_hub_download_is_cancelled_within_a_second_by_the_token(string model)
    {
        FakeRepo repo = _hub.AddRepo("someone/model", Commit);
        byte[] weights = new byte[1 << 20];
        new Random(1).NextBytes(weights);
        string[] small = model.StartsWith("sd", StringComparison.Ordinal)
            ? ["model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json", "unet/config.json", "vae/config.json",
               "tokenizer/vocab.json", "tokenizer/merges.txt", "text_encoder/model.safetensors", "vae/diffusion_pytorch_model.safetensors"]
            : model.StartsWith("u2net", StringComparison.Ordinal) ? [] : ["config.json", "vocab.json", "merges.txt"];
        foreach (string path in small)
        {
            repo.Add(path, "{}"u8.ToArray(), lfs: false);
        }

        string stalledPath = model.StartsWith("sd", StringComparison.Ordinal) ? "unet/diffusion_pytorch_model.safetensors" : "model.safetensors";
        FakeFile stalled = repo.Add(stalledPath, weights, lfs: true);
        stalled.Stall = true;
        var hub = new HubOptions { Endpoint = _hub.Endpoint, CacheFolder = _cache.Path, Offline = false, Token = null, RetryDelay = TimeSpan.Zero };

        using var cancel = new CancellationTokenSource();
        Task<IDisposable> load = Task.Run(() => Load(model, hub, cancel.Token));
        Task first = await Task.WhenAny(stalled.Stalled.Task, load, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(first == stalled.Stalled.Task, first == load ? $"loading ended before the stall: {load.Exception?.InnerException}" : "the weights were never asked for");

        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => load);
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"cancelled after {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static IDisposable Load(string model, HubOptions hub, CancellationToken token) => model switch
    {
        "clip" => ClipModel.FromPretrained("someone/model", new ClipModelOptions { Hub = hub }, token),
        "clip-filter" => ClipZeroShotFilter.FromPretrained("someone/model", new ClipZeroShotOptions { Model = new ClipModelOptions { Hub = hub } }, token),
        "clipseg" => ClipSegModel.FromPretrained("someone/model", new ClipSegModelOptions { Hub = hub }, token),
        "clipseg-extractor" => ClipSegExtractor.FromPretrained("someone/model", new ClipSegExtractorOptions { Model = new ClipSegModelOptions { Hub = hub } }, token),
        "u2net" => U2Net.FromPretrained("someone/model", new U2NetOptions { Hub = hub }, token),
        "u2net-extractor" => U2NetExtractor.FromPretrained("someone/model", new U2NetExtractorOptions { Model = new U2NetOptions { Hub = hub } }, token),
        "sd" => StableDiffusionModels.FromPretrained("someone/model", new StableDiffusionLoadOptions { Hub = hub }, token),
        "sd-pipeline" => StableDiffusionPipeline.FromPretrained("someone/model",
            new StableDiffusionPipelineOptions { Model = new StableDiffusionLoadOptions { Hub = hub } }, token),
        _ => throw new ArgumentOutOfRangeException(nameof(model)),
    };
}
