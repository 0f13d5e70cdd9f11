namespace XPaste.Generation;

/// <summary>
/// The architecture of a diffusers <c>AutoencoderKL</c> as its <c>config.json</c> describes it; keys absent from
/// the file take the diffusers class defaults (SD 1.5's config has no <c>scaling_factor</c>: 0.18215).
/// </summary>
public sealed record AutoencoderKLConfig
{
    /// <summary>Image channels in. Default 3.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out. Default 3.</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Channels per level (encoder order). Default [64].</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [64];

    /// <summary>Resnets per encoder block (decoder blocks have one more). Default 1.</summary>
    public int LayersPerBlock { get; init; } = 1;

    /// <summary>Latent channels. Default 4.</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>GroupNorm groups. Default 32.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Default image side. Default 32.</summary>
    public int SampleSize { get; init; } = 32;

    /// <summary>Latents are <c>encode(x).sample * ScalingFactor</c>; decode <c>latents / ScalingFactor</c>. Default 0.18215.</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Whether the mid blocks have their attention. Default true.</summary>
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>Whether <c>quant_conv</c> exists. Default true.</summary>
    public bool UseQuantConv { get; init; } = true;

    /// <summary>Whether <c>post_quant_conv</c> exists. Default true.</summary>
    public bool UsePostQuantConv { get; init; } = true;

    /// <summary>Run this VAE in fp32 even in an fp16 pipeline (diffusers' <c>force_upcast</c>). Default true.</summary>
    public bool ForceUpcast { get; init; } = true;

    /// <summary>Pixels per latent: <c>2^(levels - 1)</c> (8 for SD).</summary>
    public int ScaleFactor => 1 << (BlockOutChannels.Count - 1);

    /// <summary>Reads a diffusers <c>vae/config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">Missing file or required key, wrong type, unknown block type; the message names the file.</exception>
    public static AutoencoderKLConfig Load(string path) => Read(ConfigJson.Load(path));

    /// <summary>Parses the JSON text of a <c>vae/config.json</c>.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="name">The name for error messages.</param>
    /// <returns>The configuration.</returns>
    public static AutoencoderKLConfig Parse(string json, string name = "vae/config.json") => Read(ConfigJson.Parse(json, name));

    internal static AutoencoderKLConfig Read(ConfigJson c)
    {
        var d = new AutoencoderKLConfig();
        string? cls = c.OptionalString("_class_name");
        if (cls is not null && cls != "AutoencoderKL")
        {
            throw new InvalidInputException(c.File, $"_class_name is '{cls}', not AutoencoderKL");
        }

        c.RequireDefault("act_fn", "silu");
        c.RequireDefault("latents_mean", null);
        c.RequireDefault("latents_std", null);
        IReadOnlyList<int> channels = c.IntList("block_out_channels");
        IReadOnlyList<string> down = c.StringList("down_block_types");
        IReadOnlyList<string> up = c.StringList("up_block_types");
        if (channels.Count == 0 || down.Count != channels.Count || up.Count != channels.Count)
        {
            throw new InvalidInputException(c.File,
                $"block_out_channels ({channels.Count}), down_block_types ({down.Count}) and up_block_types ({up.Count}) must have the same, non-zero length");
        }

        foreach (string type in down.Where(t => t != "DownEncoderBlock2D"))
        {
            throw new InvalidInputException(c.File, $"unknown down block type '{type}' (supported: DownEncoderBlock2D)");
        }

        foreach (string type in up.Where(t => t != "UpDecoderBlock2D"))
        {
            throw new InvalidInputException(c.File, $"unknown up block type '{type}' (supported: UpDecoderBlock2D)");
        }

        var config = new AutoencoderKLConfig
        {
            InChannels = c.Int("in_channels", d.InChannels),
            OutChannels = c.Int("out_channels", d.OutChannels),
            BlockOutChannels = channels,
            LayersPerBlock = c.Int("layers_per_block", d.LayersPerBlock),
            LatentChannels = c.Int("latent_channels", d.LatentChannels),
            NormNumGroups = c.Int("norm_num_groups", d.NormNumGroups),
            SampleSize = c.Int("sample_size", d.SampleSize),
            ScalingFactor = c.Double("scaling_factor", d.ScalingFactor),
            MidBlockAddAttention = c.Bool("mid_block_add_attention", d.MidBlockAddAttention),
            UseQuantConv = c.Bool("use_quant_conv", d.UseQuantConv),
            UsePostQuantConv = c.Bool("use_post_quant_conv", d.UsePostQuantConv),
            ForceUpcast = c.Bool("force_upcast", d.ForceUpcast),
        };
        for (int i = 0; i < channels.Count; i++)
        {
            if (channels[i] <= 0 || config.NormNumGroups <= 0 || channels[i] % config.NormNumGroups != 0)
            {
                throw new InvalidInputException(c.File, $"block_out_channels[{i}] = {channels[i]} is not a positive multiple of norm_num_groups {config.NormNumGroups}");
            }
        }

        if (config.LayersPerBlock <= 0 || config.LatentChannels <= 0 || config.InChannels <= 0 || config.OutChannels <= 0)
        {
            throw new InvalidInputException(c.File, "layers_per_block, latent_channels, in_channels and out_channels must be positive");
        }

        return config;
    }
}
