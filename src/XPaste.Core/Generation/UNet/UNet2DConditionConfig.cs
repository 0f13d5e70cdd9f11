namespace XPaste.Generation;

/// <summary>
/// The architecture of a diffusers <c>UNet2DConditionModel</c> as its <c>config.json</c> describes it (SD 1.x and
/// 2.x). Keys absent from the file take the diffusers class defaults (SD 1.5's published config is sparse).
/// </summary>
public sealed record UNet2DConditionConfig
{
    /// <summary>Latent channels in. Default 4.</summary>
    public int InChannels { get; init; } = 4;

    /// <summary>Noise prediction channels out. Default 4.</summary>
    public int OutChannels { get; init; } = 4;

    /// <summary>Default latent side (SD 1.5: 64, i.e. 512 pixels); null when the config has none.</summary>
    public int? SampleSize { get; init; }

    /// <summary>Maps the input to <c>2x - 1</c> first. Default false.</summary>
    public bool CenterInputSample { get; init; }

    /// <summary>Sinusoidal timestep embedding as [cos, sin] (true, SD) or [sin, cos]. Default true.</summary>
    public bool FlipSinToCos { get; init; } = true;

    /// <summary>Frequency shift of the timestep embedding. Default 0.</summary>
    public int FreqShift { get; init; }

    /// <summary><c>CrossAttnDownBlock2D</c> or <c>DownBlock2D</c> per level.</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];

    /// <summary><c>UNetMidBlock2DCrossAttn</c> (default) or null for none.</summary>
    public string? MidBlockType { get; init; } = "UNetMidBlock2DCrossAttn";

    /// <summary><c>UpBlock2D</c> or <c>CrossAttnUpBlock2D</c> per level, deepest first.</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];

    /// <summary>Channels per level. Default [320, 640, 1280, 1280].</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [320, 640, 1280, 1280];

    /// <summary>Resnets per down block (up blocks have one more). Default 2.</summary>
    public int LayersPerBlock { get; init; } = 2;

    /// <summary>Padding of the stride-2 downsampling convolutions. Default 1.</summary>
    public int DownsamplePadding { get; init; } = 1;

    /// <summary>Output scale of the mid block's resnets. Default 1.</summary>
    public double MidBlockScaleFactor { get; init; } = 1;

    /// <summary>GroupNorm groups. Default 32.</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>GroupNorm epsilon of the resnets and the output norm. Default 1e-5.</summary>
    public double NormEps { get; init; } = 1e-5;

    /// <summary>Width of the text conditioning (SD 1.x 768, SD 2.x 1024). Default 1280.</summary>
    public int CrossAttentionDim { get; init; } = 1280;

    /// <summary>
    /// Attention heads per down block (resolved from <c>num_attention_heads</c>, or else the legacy
    /// <c>attention_head_dim</c>, which in SD configs is the number of heads). The mid block uses the last entry,
    /// up blocks the reversed list.
    /// </summary>
    public IReadOnlyList<int> AttentionHeads { get; init; } = [8, 8, 8, 8];

    /// <summary>Transformer blocks per attention, per down block. Default 1.</summary>
    public IReadOnlyList<int> TransformerLayersPerBlock { get; init; } = [1, 1, 1, 1];

    /// <summary>Linear (SD 2.x) instead of 1x1 convolution <c>proj_in</c>/<c>proj_out</c>. Default false.</summary>
    public bool UseLinearProjection { get; init; }

    /// <summary>Attention scores and softmax in fp32 for half-precision models (SD 2.1). Default false.</summary>
    public bool UpcastAttention { get; init; }

    /// <summary>
    /// Width of the timestep condition (<c>time_cond_proj_dim</c>: LCM's guidance embedding, 256 in
    /// LCM_Dreamshaper_v7); null for none (SD). With it the UNet has <c>time_embedding.cond_proj</c> and the
    /// pipeline feeds the guidance scale as an embedding instead of running classifier-free guidance.
    /// </summary>
    public int? TimeCondProjDim { get; init; }

    /// <summary>Channels of the time embedding: <c>4 * BlockOutChannels[0]</c>.</summary>
    public int TimeEmbedDim => BlockOutChannels[0] * 4;

    /// <summary>Reads a diffusers <c>unet/config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="InvalidInputException">Missing file or required key, wrong type, unknown block type or unsupported option; the message names the file.</exception>
    public static UNet2DConditionConfig Load(string path) => Read(ConfigJson.Load(path));

    /// <summary>
    /// Stable Diffusion v1.5's published <c>unet/config.json</c> (for building the architecture without a model folder,
    /// e.g. random-weight benchmarks or a single-file checkpoint).
    /// </summary>
    public static UNet2DConditionConfig StableDiffusion15 => Parse(Sd15Configs.Unet, "SD v1.5 unet/config.json");

    /// <summary>Parses the JSON text of a <c>unet/config.json</c>.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="name">The name for error messages.</param>
    /// <returns>The configuration.</returns>
    public static UNet2DConditionConfig Parse(string json, string name = "unet/config.json") => Read(ConfigJson.Parse(json, name));

    internal static UNet2DConditionConfig Read(ConfigJson c)
    {
        var d = new UNet2DConditionConfig();
        string? cls = c.OptionalString("_class_name");
        if (cls is not null && cls != "UNet2DConditionModel")
        {
            throw new InvalidInputException(c.File, $"_class_name is '{cls}', not UNet2DConditionModel");
        }

        // Features SD 1.x/2.x never use: refuse them rather than silently computing something else.
        c.RequireDefault("class_embed_type", null);
        c.RequireDefault("addition_embed_type", null);
        c.RequireDefault("encoder_hid_dim", null);
        c.RequireDefault("time_embedding_type", "positional");
        c.RequireDefault("resnet_time_scale_shift", "default");
        c.RequireDefault("only_cross_attention", false);
        c.RequireDefault("dual_cross_attention", false);
        c.RequireDefault("act_fn", "silu");
        c.RequireDefault("num_class_embeds", null);

        IReadOnlyList<int> channels = c.IntList("block_out_channels");
        IReadOnlyList<string> down = c.StringList("down_block_types");
        IReadOnlyList<string> up = c.StringList("up_block_types");
        int levels = channels.Count;
        if (levels == 0 || down.Count != levels || up.Count != levels)
        {
            throw new InvalidInputException(c.File,
                $"block_out_channels ({levels}), down_block_types ({down.Count}) and up_block_types ({up.Count}) must have the same, non-zero length");
        }

        foreach (string type in down.Where(t => t is not ("CrossAttnDownBlock2D" or "DownBlock2D")))
        {
            throw new InvalidInputException(c.File, $"unknown down block type '{type}' (supported: CrossAttnDownBlock2D, DownBlock2D)");
        }

        foreach (string type in up.Where(t => t is not ("CrossAttnUpBlock2D" or "UpBlock2D")))
        {
            throw new InvalidInputException(c.File, $"unknown up block type '{type}' (supported: CrossAttnUpBlock2D, UpBlock2D)");
        }

        string? mid = c.Has("mid_block_type") ? c.String("mid_block_type") : d.MidBlockType;
        if (mid is not null && mid != "UNetMidBlock2DCrossAttn")
        {
            throw new InvalidInputException(c.File, $"unknown mid block type '{mid}' (supported: UNetMidBlock2DCrossAttn)");
        }

        // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (a legacy naming mistake).
        string headsKey = c.Has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
        IReadOnlyList<int> heads = c.IntOrList(headsKey, levels, 8);
        var config = new UNet2DConditionConfig
        {
            InChannels = c.Int("in_channels", d.InChannels),
            OutChannels = c.Int("out_channels", d.OutChannels),
            SampleSize = c.OptionalInt("sample_size"),
            CenterInputSample = c.Bool("center_input_sample", d.CenterInputSample),
            FlipSinToCos = c.Bool("flip_sin_to_cos", d.FlipSinToCos),
            FreqShift = c.Int("freq_shift", d.FreqShift),
            DownBlockTypes = down,
            MidBlockType = mid,
            UpBlockTypes = up,
            BlockOutChannels = channels,
            LayersPerBlock = c.Int("layers_per_block", d.LayersPerBlock),
            DownsamplePadding = c.Int("downsample_padding", d.DownsamplePadding),
            MidBlockScaleFactor = c.Double("mid_block_scale_factor", d.MidBlockScaleFactor),
            NormNumGroups = c.Int("norm_num_groups", d.NormNumGroups),
            NormEps = c.Double("norm_eps", d.NormEps),
            CrossAttentionDim = c.Int("cross_attention_dim"),
            AttentionHeads = heads,
            TransformerLayersPerBlock = c.IntOrList("transformer_layers_per_block", levels, 1),
            UseLinearProjection = c.Bool("use_linear_projection", d.UseLinearProjection),
            UpcastAttention = c.Bool("upcast_attention", d.UpcastAttention),
            TimeCondProjDim = c.OptionalInt("time_cond_proj_dim"),
        };
        config.Validate(c.File, headsKey);
        return config;
    }

    private void Validate(string file, string headsKey)
    {
        if (TimeCondProjDim is <= 0)
        {
            throw new InvalidInputException(file, $"time_cond_proj_dim must be positive, not {TimeCondProjDim}");
        }

        if (InChannels <= 0 || OutChannels <= 0 || LayersPerBlock <= 0 || NormNumGroups <= 0 || CrossAttentionDim <= 0)
        {
            throw new InvalidInputException(file, "in_channels, out_channels, layers_per_block, norm_num_groups and cross_attention_dim must be positive");
        }

        for (int i = 0; i < BlockOutChannels.Count; i++)
        {
            int ch = BlockOutChannels[i];
            if (ch <= 0 || ch % NormNumGroups != 0)
            {
                throw new InvalidInputException(file, $"block_out_channels[{i}] = {ch} is not a positive multiple of norm_num_groups {NormNumGroups}");
            }

            if (AttentionHeads[i] <= 0 || ch % AttentionHeads[i] != 0)
            {
                throw new InvalidInputException(file, $"'{headsKey}' gives {AttentionHeads[i]} heads for {ch} channels: they must divide them");
            }
        }
    }
}
