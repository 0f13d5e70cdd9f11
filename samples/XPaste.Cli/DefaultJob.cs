namespace XPaste.Cli;

/// <summary>The main job that runs when the tool is started with no arguments.</summary>
internal static class DefaultJob
{
    /// <summary>The bundled data, copied beside the executable by the build.</summary>
    public static string DataFolder => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>Where the job writes, under the current directory.</summary>
    public static string OutputFolder => "xpaste-out";

    /// <summary>
    /// The arguments the tool runs with when given none: X-Paste and Simple Copy-Paste ("both") on the bundled dataset,
    /// pasting from an instance bank cut from that dataset's own objects (<c>xpaste-out/bank</c>, built first when
    /// missing), 16 images of 512x512, seed 0. Writes <c>xpaste-out/augmented/</c>: images, <c>annotations.json</c>
    /// (COCO, RLE masks, <c>is_pasted</c>), <c>plans.jsonl</c> and <c>preview.png</c>. Takes a few seconds.
    /// Run again, it reuses that output: the bank is there, and the augment run finds its output complete and does
    /// nothing (an interrupted one continues where it stopped). Delete <c>xpaste-out</c> to start over.
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
