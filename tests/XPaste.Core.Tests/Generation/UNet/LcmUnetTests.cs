using System.Text.Json;
using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.UNet;

/// <summary>The LCM UNet path (time_cond_proj_dim, cond_proj) and the guidance embedding against diffusers (sd_fewstep_tiny/lcm).</summary>
public sealed class LcmUnetTests
{
    private static FewstepData Data => FewstepData.Lcm;

    [Theory]
    [InlineData(16)]
    [InlineData(256)]
    [InlineData(15)]
    public void Guidance_embedding_matches_diffusers(int dim)
    {
        using var scope = NewDisposeScope();
        Tensor w = Data.Tensor("guidance_w");
        Assert.Equal(new float[] { 0, 1, 3, 7, 7.5f }, w.data<float>().ToArray());
        Tensor emb = GuidanceEmbedding.Compute(w, dim);
        Data.Close($"guidance_embedding_{dim}", emb);
        if (dim % 2 == 1)
        {
            Assert.Equal(0f, emb[.., -1].abs().max().item<float>());
        }
    }

    [Fact]
    public void Guidance_embedding_for_a_scale_embeds_scale_minus_one_per_image()
    {
        using var scope = NewDisposeScope();
        Tensor emb = GuidanceEmbedding.ForScale(8.0, 3, 16);
        Assert.Equal([3L, 16], emb.shape);
        TensorAssert.Close(Data.Tensor("guidance_embedding_16")[3].expand(3, 16), emb, Data.Tolerance("guidance_embedding_16"));
    }

    [Fact]
    public void Text_encoder_matches_transformers()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Data.Close("te_last_hidden_state", Data.Models.TextEncoder.call(Data.Tensor("te_input_ids").to(ScalarType.Int64)));
    }

    [Fact]
    public void Unet_with_timestep_cond_matches_diffusers()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        UNet2DConditionModel unet = Data.Models.Unet;
        Assert.Equal(16, unet.Config.TimeCondProjDim);
        Tensor cond = GuidanceEmbedding.Compute(Data.Tensor("unet_guidance_w"), 16);
        Data.Close("guidance_embedding_16", GuidanceEmbedding.Compute(Data.Tensor("guidance_w"), 16));
        TensorAssert.Close(Data.Tensor("unet_timestep_cond"), cond, Data.Tolerance("guidance_embedding_16"));

        Tensor timesteps = Data.Tensor("unet_timesteps").to(ScalarType.Int64);
        Tensor output = unet.forward(Data.Tensor("unet_sample"), timesteps, Data.Tensor("unet_encoder_hidden_states"), Data.Tensor("unet_timestep_cond"));
        Data.Close("unet_noise_pred", output);
        Tensor without = unet.forward(Data.Tensor("unet_sample"), timesteps, Data.Tensor("unet_encoder_hidden_states"));
        Data.Close("unet_noise_pred_without_cond", without);
    }

    [Fact]
    public void Timestep_cond_of_the_wrong_shape_or_on_a_plain_unet_is_refused()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Tensor sample = Data.Tensor("unet_sample");
        Tensor context = Data.Tensor("unet_encoder_hidden_states");
        var wrong = Assert.Throws<ArgumentException>(() => Data.Models.Unet.forward(sample, tensor(999L), context, zeros(2, 15)));
        Assert.Contains("[2,16]", wrong.Message, StringComparison.Ordinal);
        var plain = Assert.Throws<ArgumentException>(() => FewstepData.Turbo.Models.Unet.forward(sample, tensor(999L), context, zeros(2, 16)));
        Assert.Contains("time_cond_proj_dim", plain.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_lcm_unet_built_from_its_config_has_exactly_the_checkpoint_names_and_shapes()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(FewstepData.ShapesPath));
        JsonElement root = doc.RootElement;
        var config = UNet2DConditionConfig.Parse(root.GetProperty("configs").GetProperty("lcm_dreamshaper_v7_unet").GetRawText());
        Assert.Equal(256, config.TimeCondProjDim);
        using var unet = new UNet2DConditionModel(config, META);
        ShapeAssert.Exactly(root.GetProperty("models").GetProperty("lcm_dreamshaper_v7_unet"), unet.state_dict(),
            root.GetProperty("parameter_counts").GetProperty("lcm_dreamshaper_v7_unet").GetInt64());
        Assert.Equal([320L, 256], unet.state_dict()["time_embedding.cond_proj.weight"].shape);
    }
}

/// <summary>Names and shapes of a model against a checkpoint listing.</summary>
internal static class ShapeAssert
{
    public static void Exactly(JsonElement expected, IDictionary<string, Tensor> actual, long parameters)
    {
        var want = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray(), StringComparer.Ordinal);
        Assert.Empty(want.Keys.Except(actual.Keys).Take(5));
        Assert.Empty(actual.Keys.Except(want.Keys).Take(5));
        Assert.All(want, kv => Assert.Equal(kv.Value, actual[kv.Key].shape));
        Assert.Equal(parameters, actual.Values.Sum(t => t.numel()));
    }
}
