using System.Text.Json.Nodes;
using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>SD 2.x config features and the SD 2.x pad token, without weights.</summary>
public sealed class SdConfigTests
{
    private const string Sd21Unet = """
        {"_class_name": "UNet2DConditionModel", "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280],
         "cross_attention_dim": 1024, "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], "sample_size": 96,
         "use_linear_projection": true, "upcast_attention": true, "num_class_embeds": null, "dual_cross_attention": false}
        """;

    [Fact]
    public void Sd21_config_lists_heads_per_block_and_uses_linear_projections()
    {
        var config = UNet2DConditionConfig.Parse(Sd21Unet);
        Assert.Equal(new[] { 5, 10, 20, 20 }, config.AttentionHeads);
        Assert.True(config.UseLinearProjection);
        Assert.True(config.UpcastAttention);
        Assert.Equal(1e-5, config.NormEps);
        using var unet = new UNet2DConditionModel(config, META);
        var shapes = unet.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new long[] { 320, 320 }, shapes["down_blocks.0.attentions.0.proj_in.weight"]);
        Assert.Equal(new long[] { 1280, 1280 }, shapes["mid_block.attentions.0.proj_out.weight"]);
        Assert.Equal(new long[] { 640, 1024 }, shapes["up_blocks.2.attentions.0.transformer_blocks.0.attn2.to_k.weight"]);
        // SD 2.1's UNet has 865,910,724 parameters (diffusers).
        Assert.Equal(865_910_724, unet.state_dict().Values.Sum(t => t.NumberOfElements));
    }

    [Fact]
    public void Num_attention_heads_wins_over_the_legacy_attention_head_dim()
    {
        var json = JsonNode.Parse(Sd21Unet)!.AsObject();
        json["num_attention_heads"] = 4;
        var config = UNet2DConditionConfig.Parse(json.ToJsonString());
        Assert.Equal(new[] { 4, 4, 4, 4 }, config.AttentionHeads);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Randomly_initialised_unet_has_finite_weights_and_runs_on_any_latent_size(bool linear, bool odd)
    {
        var config = new UNet2DConditionConfig
        {
            BlockOutChannels = [32, 64],
            DownBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"],
            UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"],
            NormNumGroups = 8,
            CrossAttentionDim = 16,
            AttentionHeads = [2, 4],
            TransformerLayersPerBlock = [1, 1],
            UseLinearProjection = linear,
        };
        manual_seed(1);
        using var unet = new UNet2DConditionModel(config);
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Tensor output = unet.call(randn(3, 4, odd ? 5 : 8, odd ? 11 : 8), tensor(new[] { 1f, 500.5f, 999f }), randn(3, 7, 16));
        Assert.Equal(new long[] { 3, 4, odd ? 5 : 8, odd ? 11 : 8 }, output.shape);
        Assert.Empty(unet.named_parameters().Where(p => !p.parameter.isfinite().all().item<bool>()).Select(p => p.name).Take(8));
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void Sd2_pad_token_bang_pads_with_id_0()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        string tokenizer = Path.Combine(copy, "tokenizer");
        foreach (string name in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            string path = Path.Combine(tokenizer, name);
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json["pad_token"] = "!";
            File.WriteAllText(path, json.ToJsonString());
        }

        var sd = StableDiffusionTokenizer.FromFolder(tokenizer);
        Assert.Equal(0, sd.PadTokenId);
        using Tensor ids = sd.Tokenize(["a cat"]);
        Assert.Equal(new long[] { 49406, 320, 2368, 49407, 0 }, ids[0].narrow(0, 0, 5).data<long>().ToArray());
        Assert.Equal(0, ids[0, 76].item<long>());
    }
}
