using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>Every model of sd_tiny against diffusers' / transformers' own outputs (float64 reference, expected.json tolerances).</summary>
public sealed class SdModelExactnessTests(SdTinyFixture fixture) : IClassFixture<SdTinyFixture>
{
    [Fact]
    public void Tolerances_are_the_documented_ones()
    {
        // Guards against a fixture edit loosening the bounds the tests below use.
        Assert.Equal(5e-5, fixture.Tolerances["te_last_hidden_state"]);
        Assert.Equal(2e-5, fixture.Tolerances["unet_noise_pred"]);
        Assert.Equal(1e-4, fixture.Tolerances["vae_decoded"]);
        Assert.Equal(2e-5, fixture.Tolerances["vae_enc_mean"]);
        Assert.Equal(2e-5, fixture.Tolerances["vae_enc_logvar"]);
    }

    [Fact]
    public void Tokenizer_pads_with_the_configured_pad_token_like_the_pipeline()
    {
        Assert.Equal(49407, fixture.Models.Tokenizer.PadTokenId);
        using Tensor ids = fixture.Models.Tokenizer.Tokenize(fixture.Prompts);
        using Tensor expected = fixture.Expected["te_input_ids"].to(ScalarType.Int64);
        TensorAssert.Equal(expected, ids);
    }

    [Fact]
    public void Tokenizer_truncates_to_77_keeping_the_end_token()
    {
        string prompt = string.Join(' ', Enumerable.Repeat("cat", 100));
        using Tensor ids = fixture.Models.Tokenizer.Tokenize([prompt]);
        Assert.Equal(new long[] { 1, 77 }, ids.shape);
        Assert.Equal(49406, ids[0, 0].item<long>());
        Assert.Equal(49407, ids[0, 76].item<long>());
        Assert.NotEqual(49407, ids[0, 75].item<long>());
    }

    [Fact]
    public void Text_encoder_last_hidden_state_matches_transformers()
    {
        using var mode = inference_mode();
        using Tensor ids = fixture.Expected["te_input_ids"].to(ScalarType.Int64);
        using Tensor hidden = fixture.Models.TextEncoder.call(ids);
        TensorAssert.Close(fixture.Expected["te_last_hidden_state"], hidden, fixture.Tolerances["te_last_hidden_state"]);
    }

    [Fact]
    public void Unet_noise_prediction_matches_diffusers_at_t999_and_t421()
    {
        using var mode = inference_mode();
        Tensor timesteps = fixture.Expected["unet_timesteps"];
        Assert.Equal(new float[] { 999, 421 }, timesteps.data<float>().ToArray());
        using Tensor output = fixture.Models.Unet.call(fixture.Expected["unet_sample"], timesteps, fixture.Expected["unet_encoder_hidden_states"]);
        TensorAssert.Close(fixture.Expected["unet_noise_pred"], output, fixture.Tolerances["unet_noise_pred"]);
    }

    [Fact]
    public void Unet_takes_a_scalar_int64_timestep_for_the_whole_batch()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Tensor sample = fixture.Expected["unet_sample"].narrow(0, 1, 1);
        Tensor context = fixture.Expected["unet_encoder_hidden_states"].narrow(0, 1, 1);
        Tensor output = fixture.Models.Unet.call(sample, tensor(421L), context);
        TensorAssert.Close(fixture.Expected["unet_noise_pred"].narrow(0, 1, 1), output, fixture.Tolerances["unet_noise_pred"]);
    }

    [Fact]
    public void Unet_handles_odd_latent_sizes()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Tensor sample = randn(2, 4, 9, 7, generator: new Generator(3));
        Tensor context = fixture.Expected["unet_encoder_hidden_states"];
        Tensor output = fixture.Models.Unet.call(sample, tensor(500f), context);
        Assert.Equal(new long[] { 2, 4, 9, 7 }, output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void Vae_decode_matches_diffusers()
    {
        using var mode = inference_mode();
        using Tensor decoded = fixture.Models.Vae.Decode(fixture.Expected["vae_latents"]);
        TensorAssert.Close(fixture.Expected["vae_decoded"], decoded, fixture.Tolerances["vae_decoded"]);
    }

    [Fact]
    public void Vae_decode_with_slicing_gives_the_same_images()
    {
        using var mode = inference_mode();
        using Tensor whole = fixture.Models.Vae.Decode(fixture.Expected["vae_latents"]);
        fixture.Models.Vae.EnableSlicing = true;
        try
        {
            using Tensor sliced = fixture.Models.Vae.Decode(fixture.Expected["vae_latents"]);
            TensorAssert.Close(whole, sliced, 1e-5);
        }
        finally
        {
            fixture.Models.Vae.EnableSlicing = false;
        }
    }

    [Fact]
    public void Vae_encode_mean_and_logvar_match_diffusers()
    {
        using var mode = inference_mode();
        using AutoencoderKLEncoding encoding = Assert.IsType<AutoencoderKL>(fixture.Models.Vae).Encode(fixture.Expected["vae_image"]);
        TensorAssert.Close(fixture.Expected["vae_enc_mean"], encoding.Mean, fixture.Tolerances["vae_enc_mean"]);
        TensorAssert.Close(fixture.Expected["vae_enc_logvar"], encoding.LogVar, fixture.Tolerances["vae_enc_logvar"]);
    }

    [Fact]
    public void Configs_take_class_defaults_and_the_folder_scheduler_config()
    {
        Assert.Equal(0.18215, Assert.IsType<AutoencoderKL>(fixture.Models.Vae).Config.ScalingFactor);
        Assert.Equal(8, fixture.Models.Vae.ScaleFactor);
        Assert.Equal(new[] { 2, 2 }, fixture.Models.Unet.Config.AttentionHeads);
        Assert.Equal(8, fixture.Models.Unet.Config.SampleSize);
        Assert.Contains("PNDMScheduler", fixture.Models.SchedulerConfigJson, StringComparison.Ordinal);
        Assert.Equal(ScalarType.Float32, fixture.Models.DType);
    }
}
