using XPaste.Generation;
using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>A Hub repo id resolves through the model store's cache (offline here: no network in tests).</summary>
public sealed class SdHubLoadingTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public void Repo_id_loads_from_the_hub_cache_offline()
    {
        using var temp = new TempFolder();
        var store = new HubCache(temp.Path, "someone/sd-tiny");
        SdTestFiles.CopyTiny(temp.Path);
        Directory.CreateDirectory(Path.Combine(store.RepoFolder, "snapshots"));
        Directory.Move(Path.Combine(temp.Path, "sd_tiny"), store.SnapshotFolder(Commit));
        store.WriteRef("main", Commit);
        var options = new StableDiffusionLoadOptions { Hub = new HubOptions { CacheFolder = temp.Path, Offline = true } };

        using var models = StableDiffusionModels.FromPretrained("someone/sd-tiny", options);
        Assert.Equal("someone/sd-tiny", models.ModelId);
        using var reference = StableDiffusionModels.FromPretrained(SdTinyFixture.Folder);
        var expected = reference.Unet.state_dict();
        Assert.All(models.Unet.state_dict(), kv => TensorAssert.Equal(expected[kv.Key], kv.Value));
    }

    [Fact]
    public void Repo_id_without_any_variant_weights_is_refused_naming_the_files_looked_for()
    {
        using var temp = new TempFolder();
        var store = new HubCache(temp.Path, "someone/sd-tiny");
        SdTestFiles.CopyTiny(temp.Path);
        Directory.CreateDirectory(Path.Combine(store.RepoFolder, "snapshots"));
        Directory.Move(Path.Combine(temp.Path, "sd_tiny"), store.SnapshotFolder(Commit));
        store.WriteRef("main", Commit);
        var options = new StableDiffusionLoadOptions { Variant = "fp16", Hub = new HubOptions { CacheFolder = temp.Path, Offline = true } };
        // No component has fp16 files: an error (as diffusers), not the plain weights under the variant's name.
        var missing = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained("someone/sd-tiny", options));
        Assert.Equal("someone/sd-tiny", missing.Input);
        Assert.Contains("no 'fp16' variant weights: looked for text_encoder/model.fp16.safetensors, unet/diffusion_pytorch_model.fp16.safetensors", missing.Problem, StringComparison.Ordinal);

        File.Delete(Path.Combine(store.SnapshotFolder(Commit), "unet", "diffusion_pytorch_model.safetensors"));
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained("someone/sd-tiny", options));
        Assert.Equal("someone/sd-tiny", error.Input);
        Assert.Contains("unet/diffusion_pytorch_model.fp16.safetensors", error.Problem, StringComparison.Ordinal);
    }
}
