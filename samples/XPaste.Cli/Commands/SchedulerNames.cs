using XPaste.Generation.Schedulers;

namespace XPaste.Cli.Commands;

/// <summary>The <c>--scheduler</c> names of the <see cref="SchedulerKind"/>s.</summary>
internal static class SchedulerNames
{
    /// <summary>The names: config, dpm, ddim, pndm, euler, euler-a, lcm.</summary>
    public static IReadOnlyList<string> Names { get; } = ["config", "dpm", "ddim", "pndm", "euler", "euler-a", "lcm"];

    /// <summary>Parses a name (<see cref="Names"/>), case-insensitively.</summary>
    /// <exception cref="CliUsageException">The name is not one of <see cref="Names"/>.</exception>
    public static SchedulerKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "config" => SchedulerKind.Config,
            "dpm" => SchedulerKind.Dpm,
            "ddim" => SchedulerKind.Ddim,
            "pndm" => SchedulerKind.Pndm,
            "euler" => SchedulerKind.Euler,
            "euler-a" => SchedulerKind.EulerAncestral,
            "lcm" => SchedulerKind.Lcm,
            _ => throw new CliUsageException($"--scheduler: '{name}' is not a scheduler (choose from {string.Join(", ", Names)})"),
        };
    }
}
