namespace XPaste.Cli;

/// <summary>The main job that runs when the tool is started with no arguments.</summary>
internal static class DefaultJob
{
    /// <summary>The bundled data, copied beside the executable by the build.</summary>
    public static string DataFolder => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>Where the job writes, under the current directory.</summary>
    public static string OutputFolder => Path.Combine("xpaste-out", "bank");

    /// <summary>
    /// The arguments the tool runs with when given none: build an instance bank from the bundled dataset (resuming,
    /// so a second run adds nothing) and print its statistics.
    /// </summary>
    public static string[] Arguments() =>
    [
        "bank", "build",
        "--from-dataset", Path.Combine(DataFolder, "instances.json"),
        "--images", Path.Combine(DataFolder, "images"),
        "--out", OutputFolder,
        "--stats",
    ];
}
