using XPaste.Extraction;
using XPaste.Hub;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

/// <summary>A Hub repo id resolves through the model store's cache (offline here: no network in tests).</summary>
public sealed class SamHubLoadingTests
{
    private const string Commit = "89abcdef0123456789abcdef0123456789abcdef";

    private static (TempFolder Temp, HubCache Cache) CachedRepo()
    {
        var temp = new TempFolder();
        var cache = new HubCache(temp.Path, "someone/sam-tiny");
        string snapshot = cache.SnapshotFolder(Commit);
        Directory.CreateDirectory(snapshot);
        foreach (string file in new[] { "config.json", "preprocessor_config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(SamFixture.Folder, file), Path.Combine(snapshot, file));
        }

        cache.WriteRef("main", Commit);
        return (temp, cache);
    }

    [Fact]
    public void Repo_id_loads_from_the_hub_cache_offline_with_the_same_weights()
    {
        var (temp, _) = CachedRepo();
        using (temp)
        {
            var options = new SamLoadOptions { Hub = new HubOptions { CacheFolder = temp.Path, Offline = true } };
            using SamModel model = SamModel.FromPretrained("someone/sam-tiny", options);
            using SamModel reference = SamModel.FromPretrained(SamFixture.Folder);
            Dictionary<string, Tensor> expected = reference.state_dict();
            Assert.Equal(expected.Count, model.state_dict().Count);
            Assert.All(model.state_dict(), kv => TensorAssert.Equal(expected[kv.Key], kv.Value));
        }
    }

    [Fact]
    public void Repo_id_missing_from_the_offline_cache_is_a_hub_error_naming_it()
    {
        using var temp = new TempFolder();
        var options = new SamLoadOptions { Hub = new HubOptions { CacheFolder = temp.Path, Offline = true } };
        var ex = Assert.ThrowsAny<XPasteException>(() => SamModel.FromPretrained("someone/not-cached", options));
        Assert.Contains("someone/not-cached", ex.Message, StringComparison.Ordinal);
    }
}
