namespace XPaste.Cli;

/// <summary>The main job that runs when the tool is started with no arguments.</summary>
internal static class DefaultJob
{
    /// <summary>The bundled data, copied beside the executable by the build.</summary>
    public static string DataFolder => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>Where the main job writes: <c>xpaste-output</c> in the current folder.</summary>
    public static string OutputFolder => Path.Combine(Environment.CurrentDirectory, "xpaste-output");

    /// <summary>
    /// The arguments the tool runs with when given none: X-Paste and Simple Copy-Paste ("both") on the bundled
    /// dataset, pasting from a bank cut from that dataset's own objects (built on the first run), 16 images of 512x512,
    /// seed 0. Writes <c>xpaste-output/augmented/</c> (images, <c>annotations.json</c>, <c>plans.jsonl</c>, <c>preview.png</c>).
    /// </summary>
    public static string[] Arguments() =>
    [
        "augment",
        "--dataset", Path.Combine(DataFolder, "instances.json"),
        "--images", Path.Combine(DataFolder, "images"),
        "--bank", Path.Combine(OutputFolder, "bank"),
        "--build-bank",
        "--out", Path.Combine(OutputFolder, "augmented"),
        "--policy", "both",
        "--count", "16",
        "--size", "512",
        "--seed", "0",
    ];
}
