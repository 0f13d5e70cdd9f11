namespace XPaste.Generation.Schedulers;

/// <summary>Builds schedulers from a scheduler config, as diffusers' <c>from_config</c>.</summary>
public static class SchedulerFactory
{
    /// <summary>The timestep spacings diffusers schedulers know (<c>timestep_spacing</c>).</summary>
    public static IReadOnlyList<string> Spacings { get; } = ["linspace", "leading", "trailing"];

    /// <summary>
    /// A scheduler of <paramref name="kind"/> configured by <paramref name="config"/>: keys the config lacks take the
    /// class's own defaults (e.g. DPM-Solver keeps its <c>linspace</c> spacing when built from SD's PNDM config).
    /// </summary>
    /// <exception cref="InvalidInputException">The class is unknown, or a value is invalid or unsupported.</exception>
    public static INoiseScheduler FromConfig(SchedulerConfig config, SchedulerKind kind = SchedulerKind.Config) =>
        FromConfig(config, kind, null);

    /// <summary>
    /// As <see cref="FromConfig(SchedulerConfig, SchedulerKind)"/> with an explicit <c>timestep_spacing</c>: set as an
    /// option, so that it applies even where the file lists the key in <c>_use_default_values</c> (a dict override of
    /// such a key is dropped by diffusers' <c>from_config</c>). LCM ignores the spacing, as diffusers does.
    /// </summary>
    /// <param name="config">The scheduler config.</param>
    /// <param name="kind">The sampler.</param>
    /// <param name="timestepSpacing"><c>linspace</c>, <c>leading</c> or <c>trailing</c>; null keeps the config's (or the class default).</param>
    /// <returns>The scheduler.</returns>
    /// <exception cref="InvalidInputException">Unknown class or spacing, or an invalid or unsupported value.</exception>
    public static INoiseScheduler FromConfig(SchedulerConfig config, SchedulerKind kind, string? timestepSpacing)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (timestepSpacing is not null)
        {
            if (!Spacings.Contains(timestepSpacing, StringComparer.Ordinal))
            {
                throw new InvalidInputException("timestep spacing", $"'{timestepSpacing}' is not one of {string.Join(", ", Spacings)}");
            }

            config = config.With("timestep_spacing", timestepSpacing);
        }

        ArgumentNullException.ThrowIfNull(config);
        string className = kind switch
        {
            SchedulerKind.Config => config.ClassName
                ?? throw new InvalidInputException(config.Source, "the scheduler config has no _class_name"),
            SchedulerKind.Dpm => DpmSolverMultistepScheduler.DiffusersName,
            SchedulerKind.Ddim => DdimScheduler.DiffusersName,
            SchedulerKind.Pndm => PndmScheduler.DiffusersName,
            SchedulerKind.Euler => EulerDiscreteScheduler.DiffusersName,
            SchedulerKind.EulerAncestral => EulerAncestralDiscreteScheduler.DiffusersName,
            SchedulerKind.Lcm => LcmScheduler.DiffusersName,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown scheduler kind"),
        };
        return FromConfig(config, className);
    }

    /// <summary>A scheduler of the diffusers class <paramref name="className"/> configured by <paramref name="config"/>.</summary>
    /// <exception cref="InvalidInputException">The class is unknown, or a value is invalid or unsupported.</exception>
    public static INoiseScheduler FromConfig(SchedulerConfig config, string className)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(className);
        return className switch
        {
            DpmSolverMultistepScheduler.DiffusersName => new DpmSolverMultistepScheduler(config),
            DdimScheduler.DiffusersName => new DdimScheduler(config),
            PndmScheduler.DiffusersName => new PndmScheduler(config),
            EulerDiscreteScheduler.DiffusersName => new EulerDiscreteScheduler(config),
            EulerAncestralDiscreteScheduler.DiffusersName => new EulerAncestralDiscreteScheduler(config),
            LcmScheduler.DiffusersName => new LcmScheduler(config),
            _ => throw new InvalidInputException(config.Source,
                $"unknown scheduler class '{className}'; supported: {DpmSolverMultistepScheduler.DiffusersName}, {DdimScheduler.DiffusersName}, {PndmScheduler.DiffusersName}, {EulerDiscreteScheduler.DiffusersName}, {EulerAncestralDiscreteScheduler.DiffusersName}, {LcmScheduler.DiffusersName}"),
        };
    }
}
