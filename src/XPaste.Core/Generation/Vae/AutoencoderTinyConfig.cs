namespace XPaste.Generation;

/// <summary>
/// The architecture of a diffusers <c>AutoencoderTiny</c> (TAESD) as its <c>config.json</c> describes it; keys absent
/// from the file take the class defaults, which are madebyollin/taesd's published values.
/// </summary>
public sealed record AutoencoderTinyConfig
{
    /// <summary>Image channels in. Default 3.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out. Default 3.</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Channels per encoder level. Default [64, 64, 64, 64].</summary>
    public IReadOnlyList<int> EncoderBlockOutChannels { get; init; } = [64, 64, 64, 64];

    /// <summary>Channels per decoder level. Default [64, 64, 64, 64].</summary>
    public IReadOnlyList<int> DecoderBlockOutChannels { get; init; } = [64, 64, 64, 64];

    /// <summary>Blocks per encoder level. Default [1, 3, 3, 3].</summary>
    public IReadOnlyList<int> NumEncoderBlocks { get; init; } = [1, 3, 3, 3];

    /// <summary>Blocks per decoder level. Default [3, 3, 3, 1].</summary>
    public IReadOnlyList<int> NumDecoderBlocks { get; init; } = [3, 3, 3, 1];

    /// <summary>Latent channels. Default 4.</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>The activation: <c>relu</c> (TAESD) or <c>silu</c>. Default relu.</summary>
    public string ActFn { get; init; } = "relu";

    /// <summary>The decoder's nearest-neighbour upsampling factor. Default 2.</summary>
    public int UpsamplingScalingFactor { get; init; } = 2;

    /// <summary>Latents decode as they are: 1.0 (no 1/0.18215).</summary>
    public double ScalingFactor { get; init; } = 1.0;

    /// <summary>Run in fp32 in an fp16 pipeline. Default false.</summary>
    public bool ForceUpcast { get; init; }

    /// <summary>Pixels per latent, <c>2^(len(decoder channels) - 1)</c>: diffusers' pipelines read it from the config's <c>block_out_channels</c>, the decoder's.</summary>
    public int ScaleFactor => 1 << (DecoderBlockOutChannels.Count - 1);

    /// <summary>madebyollin/taesd's published config (the class defaults).</summary>
    public static AutoencoderTinyConfig Taesd { get; } = new();

    /// <summary>Reads a diffusers <c>vae/config.json</c> of an <c>AutoencoderTiny</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">A wrong class, type or value; the message names the file.</exception>
    public static AutoencoderTinyConfig Load(string path) => Read(ConfigJson.Load(path));

    /// <summary>Parses the JSON text of an <c>AutoencoderTiny</c> config.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="name">The name for error messages.</param>
    /// <returns>The configuration.</returns>
    public static AutoencoderTinyConfig Parse(string json, string name = "vae/config.json") => Read(ConfigJson.Parse(json, name));

    internal static AutoencoderTinyConfig Read(ConfigJson c)
    {
        var d = new AutoencoderTinyConfig();
        string? cls = c.OptionalString("_class_name");
        if (cls is not null && cls != "AutoencoderTiny")
        {
            throw new InvalidInputException(c.File, $"_class_name is '{cls}', not AutoencoderTiny");
        }

        c.RequireDefault("upsample_fn", "nearest");
        var config = new AutoencoderTinyConfig
        {
            InChannels = c.Int("in_channels", d.InChannels),
            OutChannels = c.Int("out_channels", d.OutChannels),
            EncoderBlockOutChannels = c.Has("encoder_block_out_channels") ? c.IntList("encoder_block_out_channels") : d.EncoderBlockOutChannels,
            DecoderBlockOutChannels = c.Has("decoder_block_out_channels") ? c.IntList("decoder_block_out_channels") : d.DecoderBlockOutChannels,
            NumEncoderBlocks = c.Has("num_encoder_blocks") ? c.IntList("num_encoder_blocks") : d.NumEncoderBlocks,
            NumDecoderBlocks = c.Has("num_decoder_blocks") ? c.IntList("num_decoder_blocks") : d.NumDecoderBlocks,
            LatentChannels = c.Int("latent_channels", d.LatentChannels),
            ActFn = c.Has("act_fn") ? c.String("act_fn") : d.ActFn,
            UpsamplingScalingFactor = c.Int("upsampling_scaling_factor", d.UpsamplingScalingFactor),
            ScalingFactor = c.Double("scaling_factor", d.ScalingFactor),
            ForceUpcast = c.Bool("force_upcast", d.ForceUpcast),
        };
        config.Validate(c.File);
        return config;
    }

    internal void Validate(string file)
    {
        if (ActFn is not ("relu" or "silu" or "swish"))
        {
            throw new InvalidInputException(file, $"act_fn '{ActFn}' is not supported (relu, silu)");
        }

        if (EncoderBlockOutChannels.Count == 0 || EncoderBlockOutChannels.Count != NumEncoderBlocks.Count
            || DecoderBlockOutChannels.Count == 0 || DecoderBlockOutChannels.Count != NumDecoderBlocks.Count)
        {
            throw new InvalidInputException(file, "encoder/decoder_block_out_channels and num_encoder/decoder_blocks must have matching, non-zero lengths");
        }

        if (EncoderBlockOutChannels.Concat(DecoderBlockOutChannels).Any(ch => ch <= 0) || NumEncoderBlocks.Concat(NumDecoderBlocks).Any(n => n < 0)
            || InChannels <= 0 || OutChannels <= 0 || LatentChannels <= 0 || UpsamplingScalingFactor <= 0 || !(ScalingFactor > 0))
        {
            throw new InvalidInputException(file, "channels, block counts, upsampling_scaling_factor and scaling_factor must be positive");
        }
    }
}
