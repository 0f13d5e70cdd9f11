using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>What a <see cref="StableDiffusionGenerator"/> asks the pipeline for (X-Paste's settings by default).</summary>
public sealed class StableDiffusionGeneratorOptions
{
    /// <summary>The negative prompt; empty for none (X-Paste uses none).</summary>
    public string NegativePrompt { get; init; } = "";

    /// <summary>Classifier-free guidance scale. X-Paste: 7.5.</summary>
    public double GuidanceScale { get; init; } = 7.5;

    /// <summary>Denoising steps. X-Paste: 50.</summary>
    public int Steps { get; init; } = 50;

    /// <summary>The sampler. X-Paste: DPM-Solver++ built from the model's scheduler config.</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Dpm;

    /// <summary>The sampler's <c>timestep_spacing</c> (<c>trailing</c> for SD-Turbo); null for the scheduler config's.</summary>
    public string? TimestepSpacing { get; init; }

    /// <summary>Image width, a multiple of 8; null for the model's default (512 for SD 1.5).</summary>
    public int? Width { get; init; }

    /// <summary>Image height, a multiple of 8; null for the model's default.</summary>
    public int? Height { get; init; }

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new StableDiffusionGeneratorOptionsValidator(), this);
}
