using System.Text.Json;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>The sd_tiny pipeline loaded once, its reference tensors and tolerances (expected.json).</summary>
public sealed class SdTinyFixture : IDisposable
{
    public SdTinyFixture()
    {
        Models = StableDiffusionModels.FromPretrained(Folder);
        Expected = StateDictFile.LoadSafetensors(Path.Combine(Folder, "expected.safetensors"));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")));
        Tolerances = doc.RootElement.GetProperty("tolerance").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("max_abs", out _))
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("max_abs").GetDouble());
        Prompts = doc.RootElement.GetProperty("te_prompts").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    public static string Folder => TestFiles.Data("generation", "sd_tiny");

    public StableDiffusionModels Models { get; }

    public Dictionary<string, Tensor> Expected { get; }

    public Dictionary<string, double> Tolerances { get; }

    public string[] Prompts { get; }

    public void Dispose()
    {
        Models.Dispose();
        foreach (Tensor t in Expected.Values)
        {
            t.Dispose();
        }
    }
}
