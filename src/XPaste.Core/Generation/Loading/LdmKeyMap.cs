using System.Text.RegularExpressions;

namespace XPaste.Generation;

/// <summary>Which model a single-file key belongs to.</summary>
internal enum SdComponent
{
    Unet,
    Vae,
    TextEncoder,
}

/// <summary>
/// The names of an original (LDM / CompVis) single-file Stable Diffusion 1.x checkpoint for each diffusers
/// parameter, as diffusers' conversion scripts write them: <c>model.diffusion_model.*</c> (UNet),
/// <c>first_stage_model.*</c> (VAE), <c>cond_stage_model.transformer.*</c> (text encoder).
/// </summary>
internal static partial class LdmKeyMap
{
    public const string UnetPrefix = "model.diffusion_model.";
    public const string VaePrefix = "first_stage_model.";
    public const string TextPrefix = "cond_stage_model.transformer.";

    /// <summary>Single-file name -> (component, diffusers name) for every parameter of the given models.</summary>
    public static Dictionary<string, (SdComponent Component, string Name)> Build(UNet2DConditionConfig unet, IEnumerable<string> unetNames,
        AutoencoderKLConfig vae, IEnumerable<string> vaeNames, IEnumerable<string>? textNames)
    {
        var map = new Dictionary<string, (SdComponent, string)>(StringComparer.Ordinal);
        foreach (string name in unetNames)
        {
            map.Add(UnetPrefix + Unet(name, unet), (SdComponent.Unet, name));
        }

        foreach (string name in vaeNames)
        {
            map.Add(VaePrefix + Vae(name, vae.BlockOutChannels.Count), (SdComponent.Vae, name));
        }

        foreach (string name in textNames ?? [])
        {
            map.Add(TextPrefix + name, (SdComponent.TextEncoder, name));
        }

        return map;
    }

    /// <summary>Keys a single file may carry that no model uses: EMA copies, schedule buffers, position ids.</summary>
    public static bool IsIgnorable(string key) =>
        key.StartsWith("model_ema.", StringComparison.Ordinal)
        || !key.Contains('.', StringComparison.Ordinal)
        || key.EndsWith("embeddings.position_ids", StringComparison.Ordinal);

    /// <summary>The LDM name of a diffusers UNet parameter.</summary>
    public static string Unet(string name, UNet2DConditionConfig config)
    {
        int per = config.LayersPerBlock + 1;
        Match m;
        if ((m = DownRegex().Match(name)).Success)
        {
            int i = Int(m, 1), j = Int(m, 3);
            string part = m.Groups[2].Value == "resnets" ? "0." + UnetResnet(m.Groups[4].Value) : "1." + m.Groups[4].Value;
            return $"input_blocks.{(per * i) + j + 1}.{part}";
        }

        if ((m = DownsampleRegex().Match(name)).Success)
        {
            return $"input_blocks.{per * (Int(m, 1) + 1)}.0.op.{m.Groups[2].Value}";
        }

        if ((m = MidRegex().Match(name)).Success)
        {
            string rest = m.Groups[3].Value;
            return m.Groups[1].Value == "attentions"
                ? "middle_block.1." + rest
                : $"middle_block.{(Int(m, 2) == 0 ? 0 : 2)}.{UnetResnet(rest)}";
        }

        if ((m = UpRegex().Match(name)).Success)
        {
            int i = Int(m, 1), j = Int(m, 3);
            string part = m.Groups[2].Value == "resnets" ? "0." + UnetResnet(m.Groups[4].Value) : "1." + m.Groups[4].Value;
            return $"output_blocks.{(per * i) + j}.{part}";
        }

        if ((m = UpsampleRegex().Match(name)).Success)
        {
            int i = Int(m, 1);
            int slot = config.UpBlockTypes[i] == "CrossAttnUpBlock2D" ? 2 : 1;
            return $"output_blocks.{(per * i) + per - 1}.{slot}.conv.{m.Groups[2].Value}";
        }

        return Replace(name, ("conv_in.", "input_blocks.0.0."), ("time_embedding.linear_1.", "time_embed.0."),
            ("time_embedding.linear_2.", "time_embed.2."), ("conv_norm_out.", "out.0."), ("conv_out.", "out.2."));
    }

    /// <summary>The LDM name of a diffusers VAE parameter.</summary>
    public static string Vae(string name, int levels)
    {
        Match m;
        if ((m = VaeBlockRegex().Match(name)).Success)
        {
            string coder = m.Groups[1].Value;
            int i = Int(m, 3);
            int level = coder == "encoder" ? i : levels - 1 - i;
            string stage = coder == "encoder" ? "down" : "up";
            string rest = m.Groups[4].Value;
            Match r = Regex.Match(rest, @"^resnets\.(\d+)\.(.+)$");
            if (r.Success)
            {
                return $"{coder}.{stage}.{level}.block.{r.Groups[1].Value}.{VaeResnet(r.Groups[2].Value)}";
            }

            string sampler = coder == "encoder" ? "downsample" : "upsample";
            return $"{coder}.{stage}.{level}.{sampler}.{rest[(rest.IndexOf(".0.", StringComparison.Ordinal) + 3)..]}";
        }

        if ((m = VaeMidRegex().Match(name)).Success)
        {
            string coder = m.Groups[1].Value, rest = m.Groups[4].Value;
            return m.Groups[2].Value == "resnets"
                ? $"{coder}.mid.block_{Int(m, 3) + 1}.{VaeResnet(rest)}"
                : $"{coder}.mid.attn_1." + Replace(rest, ("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."), ("to_v.", "v."), ("to_out.0.", "proj_out."));
        }

        return Replace(name, ("encoder.conv_norm_out.", "encoder.norm_out."), ("decoder.conv_norm_out.", "decoder.norm_out."));
    }

    private static string UnetResnet(string rest) => Replace(rest, ("norm1.", "in_layers.0."), ("conv1.", "in_layers.2."),
        ("time_emb_proj.", "emb_layers.1."), ("norm2.", "out_layers.0."), ("conv2.", "out_layers.3."), ("conv_shortcut.", "skip_connection."));

    private static string VaeResnet(string rest) => Replace(rest, ("conv_shortcut.", "nin_shortcut."));

    // Only a prefix is renamed: the first pair whose old name starts the text.
    private static string Replace(string text, params (string Old, string New)[] pairs)
    {
        foreach (var (old, @new) in pairs)
        {
            if (text.StartsWith(old, StringComparison.Ordinal))
            {
                return @new + text[old.Length..];
            }
        }

        return text;
    }

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$")]
    private static partial Regex DownRegex();

    [GeneratedRegex(@"^down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)$")]
    private static partial Regex DownsampleRegex();

    [GeneratedRegex(@"^mid_block\.(resnets|attentions)\.(\d+)\.(.+)$")]
    private static partial Regex MidRegex();

    [GeneratedRegex(@"^up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$")]
    private static partial Regex UpRegex();

    [GeneratedRegex(@"^up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.+)$")]
    private static partial Regex UpsampleRegex();

    [GeneratedRegex(@"^(encoder|decoder)\.(down_blocks|up_blocks)\.(\d+)\.(.+)$")]
    private static partial Regex VaeBlockRegex();

    [GeneratedRegex(@"^(encoder|decoder)\.mid_block\.(resnets|attentions)\.(\d+)\.(.+)$")]
    private static partial Regex VaeMidRegex();
}
