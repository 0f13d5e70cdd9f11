using System.Text.Json;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>The sd_tiny fixture: expected.json and the tensors of expected.safetensors, loaded once.</summary>
internal static class SdTinyData
{
    private static readonly Lazy<Dictionary<string, Tensor>> LazyTensors = new(() =>
    {
        Dictionary<string, Tensor> loaded = StateDictFile.Load(Path("expected.safetensors"));
        foreach (Tensor t in loaded.Values)
        {
            t.DetachFromDisposeScope();
        }

        return loaded;
    });

    private static readonly Lazy<JsonElement> LazyJson = new(() =>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path("expected.json")));
        return doc.RootElement.Clone();
    });

    public static string Folder => TestFiles.Data("generation", "sd_tiny");

    public static JsonElement Expected => LazyJson.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Folder, .. parts]);

    /// <summary>The stored tensor <paramref name="name"/> (shared: do not dispose).</summary>
    public static Tensor Tensor(string name) => LazyTensors.Value[name];

    /// <summary>The max_abs tolerance expected.json gives for <paramref name="name"/>.</summary>
    public static double Tolerance(string name) => Expected.GetProperty("tolerance").GetProperty(name).GetProperty("max_abs").GetDouble();
}
