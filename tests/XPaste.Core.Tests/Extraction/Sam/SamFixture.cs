using System.Text.Json;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

/// <summary>The tiny SAM fixture: model folder, expected tensors and their tolerances.</summary>
internal static class SamFixture
{
    public static readonly string[] Cases = ["box", "points", "box_point", "two_boxes", "padded_points", "box_mask"];

    private static readonly Lazy<Dictionary<string, double>> SharedTolerances = new(() =>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")));
        return doc.RootElement.GetProperty("tolerance").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    });

    public static string Folder => TestFiles.Data("sam", "sam_tiny");

    public static IReadOnlyDictionary<string, double> Tolerances => SharedTolerances.Value;

    public static Dictionary<string, Tensor> Expected() => StateDictFile.Load(Path.Combine(Folder, "expected.safetensors"));

    public static double MaxError(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using Tensor diff = (expected.to(ScalarType.Float64) - actual.cpu().to(ScalarType.Float64)).abs();
        return diff.max().item<double>();
    }

    public static void AssertClose(string name, Tensor expected, Tensor actual)
    {
        double tolerance = Tolerances[name];
        double error = MaxError(expected, actual);
        Assert.True(error <= tolerance, $"{name}: max abs error {error} > {tolerance}");
    }
}
