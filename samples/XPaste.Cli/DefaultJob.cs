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
    /// pasting real objects (a person, a cat, a cup, a rocket) cut from the bundled photos (<c>data/objects.json</c>,
    /// masks made by <c>samples/data/make_objects.py</c>) from an instance bank built from them first when missing
    /// (<c>xpaste-out/objects-bank</c>). The dataset's categories (coin, horse) lack them, so they are added to the
    /// output's categories by name (<c>--add-categories</c>). 16 images of 512x512, seed 0. Writes
    /// <c>xpaste-out/augmented/</c>: images, <c>annotations.json</c> (COCO, RLE masks, <c>is_pasted</c>),
    /// <c>plans.jsonl</c> and <c>preview.png</c> (each augmented image beside its original, outlines and labels).
    /// Takes a few seconds. Run again, it reuses that output: the bank is there, and the augment run finds its output
    /// complete and does nothing (an interrupted one continues where it stopped). Delete <c>xpaste-out</c> to start over.
    /// </summary>
    public static string[] Arguments() =>
    [
        "augment",
        "--dataset", Path.Combine(DataFolder, "instances.json"),
        "--images", Path.Combine(DataFolder, "images"),
        "--bank", Path.Combine(OutputFolder, "objects-bank"),
        "--build-bank",
        "--bank-source", Path.Combine(DataFolder, "objects.json"),
        "--add-categories",
        "--out", Path.Combine(OutputFolder, "augmented"),
        "--policy", "both",
        "--count", "16",
        "--size", "512",
        "--seed", "0",
    ];
}
