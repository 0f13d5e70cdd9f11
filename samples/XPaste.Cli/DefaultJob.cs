namespace XPaste.Cli;

/// <summary>The main job that runs when the tool is started with no arguments.</summary>
internal static class DefaultJob
{
    /// <summary>The bundled data, copied beside the executable by the build.</summary>
    public static string DataFolder => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>The arguments the tool runs with when given none.</summary>
    public static string[] Arguments() => ["--help"];
}
