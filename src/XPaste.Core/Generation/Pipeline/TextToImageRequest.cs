using XPaste.Generation.Schedulers;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// One text-to-image call of <see cref="StableDiffusionPipeline.Generate"/>: prompts, guidance, size, sampler and
/// seed. Images come out prompt by prompt, <see cref="Count"/> per prompt (p0, p0, p1, p1, ...).
/// </summary>
public sealed class TextToImageRequest
{
    /// <summary>The prompts; each gives <see cref="Count"/> images.</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    /// <summary>
    /// Negative prompts: null for none (the empty prompt), one for every prompt, or one per prompt.
    /// </summary>
    public IReadOnlyList<string>? NegativePrompts { get; init; }

    /// <summary>Images per prompt (diffusers' <c>num_images_per_prompt</c>). Default 1.</summary>
    public int Count { get; init; } = 1;

    /// <summary>
    /// Classifier-free guidance scale; at most 1 (0 for SD-Turbo) runs the conditional branch only. For a UNet with
    /// <c>time_cond_proj_dim</c> (LCM) it is fed as an embedding of <c>scale - 1</c> instead, never as CFG. Default 7.5.
    /// </summary>
    public double GuidanceScale { get; init; } = 7.5;

    /// <summary>Denoising steps. Default 50.</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Image width, a multiple of 8; null for the UNet's <c>sample_size</c> × 8.</summary>
    public int? Width { get; init; }

    /// <summary>Image height, a multiple of 8; null for the UNet's <c>sample_size</c> × 8.</summary>
    public int? Height { get; init; }

    /// <summary>The sampler. Default <see cref="SchedulerKind.Dpm"/> built from the model's scheduler config, as X-Paste.</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Dpm;

    /// <summary>
    /// The sampler's <c>timestep_spacing</c> (<c>linspace</c>, <c>leading</c>, <c>trailing</c>: SD-Turbo runs trailing);
    /// null keeps the scheduler config's value or the class default. Ignored by LCM, as in diffusers.
    /// </summary>
    public string? TimestepSpacing { get; init; }

    /// <summary>
    /// Image <c>i</c> of the request draws its noise from its own CPU generator seeded <c>Seed + i</c>, so it is the
    /// same picture alone or in any batch, and the picture diffusers makes with
    /// <c>torch.Generator("cpu").manual_seed(Seed + i)</c>. Null picks a random seed.
    /// </summary>
    public long? Seed { get; init; }

    /// <summary>
    /// Initial latents <c>[images,4,H/8,W/8]</c> instead of seeded noise (multiplied by the scheduler's initial
    /// sigma, as diffusers' <c>latents=</c>). Ancestral samplers still draw step noise from the seeded generators.
    /// </summary>
    public Tensor? InitialLatents { get; init; }

    /// <summary>The number of images: prompts × <see cref="Count"/>.</summary>
    public int ImageCount => Prompts.Count * Count;
}
