using System.Globalization;

namespace XPaste.Benchmarks;

/// <summary>The load averages printed beside every figure (Linux <c>/proc/loadavg</c>).</summary>
internal static class MachineLoad
{
    private const string Path = "/proc/loadavg";

    /// <summary>The 1-minute load average; NaN where the system has no <c>/proc/loadavg</c>.</summary>
    public static double OneMinute() =>
        File.Exists(Path) ? double.Parse(File.ReadAllText(Path).Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    /// <summary>The 1-, 5- and 15-minute load averages as the system writes them; <c>n/a</c> where it has none.</summary>
    public static string All() => File.Exists(Path) ? string.Join(' ', File.ReadAllText(Path).Split(' ').Take(3)) : "n/a";
}
