using System.Text.Json;
using XPaste.Generation;
using XPaste.Generation.Schedulers;
using XPaste.Tests.Generation.UNet;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation.Vae;

/// <summary>AutoencoderTiny (TAESD) against diffusers (sd_fewstep_tiny/taesd), its loading paths and the real model's layout.</summary>
public sealed class AutoencoderTinyTests
{
    private static FewstepData Data => FewstepData.Taesd;

    private static AutoencoderTiny Tiny => Assert.IsType<AutoencoderTiny>(Data.Models.Vae);

    [Fact]
    public void Folder_whose_vae_is_autoencoder_tiny_loads_it_with_the_decoder_scale_factor()
    {
        Assert.Equal(1.0, Tiny.ScalingFactor);
        Assert.Equal(8, Tiny.ScaleFactor);
        Assert.Equal([8, 8, 8, 8], Tiny.Config.EncoderBlockOutChannels);
        Assert.Equal([12, 12, 12, 12], Tiny.Config.DecoderBlockOutChannels);
        Assert.Equal(8, new StableDiffusionPipeline(Data.Models).VaeScaleFactor);
    }

    [Fact]
    public void Decode_matches_diffusers_including_the_saturated_clamp()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Data.Close("taesd_decoded", Tiny.Decode(Data.Tensor("taesd_latents")));
    }

    [Fact]
    public void Encode_matches_diffusers()
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        Data.Close("taesd_encoded", Tiny.Encode(Data.Tensor("taesd_image")));
    }

    [Fact]
    public void Pipeline_with_taesd_matches_diffusers_decoding_unscaled_latents()
    {
        JsonElement spec = Data.Expected.GetProperty("pipeline");
        using var scope = NewDisposeScope();
        using var trace = new GenerationTrace();
        var request = new TextToImageRequest
        {
            Prompts = [spec.GetProperty("prompt").GetString()!],
            NegativePrompts = [spec.GetProperty("negative_prompt").GetString()!],
            GuidanceScale = spec.GetProperty("guidance").GetDouble(),
            Steps = spec.GetProperty("steps").GetInt32(),
            Width = spec.GetProperty("width").GetInt32(),
            Height = spec.GetProperty("height").GetInt32(),
            Scheduler = SchedulerKind.Dpm,
            InitialLatents = Data.Tensor("pipe_initial_latents"),
        };
        Tensor pixels = new StableDiffusionPipeline(Data.Models).GenerateTraced(request, trace, null, CancellationToken.None);
        Data.Close("pipe_final_latents", trace.Latents[^1]);
        Data.Close("pipe_image", trace.Image.Single());
        Data.Uint8Close("pipe_image_uint8", pixels);
    }

    [Fact]
    public void Real_taesd_built_from_its_config_has_exactly_the_checkpoint_names_and_shapes()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(FewstepData.ShapesPath));
        JsonElement root = doc.RootElement;
        AutoencoderTinyConfig config = AutoencoderTinyConfig.Parse(root.GetProperty("configs").GetProperty("taesd").GetRawText());
        Assert.Equal(AutoencoderTinyConfig.Taesd.ScaleFactor, config.ScaleFactor);
        using var taesd = new AutoencoderTiny(config, META);
        JsonElement counts = root.GetProperty("parameter_counts");
        ShapeAssert.Exactly(root.GetProperty("models").GetProperty("taesd"), taesd.state_dict(), counts.GetProperty("taesd").GetInt64());
        Assert.Equal(counts.GetProperty("taesd_encoder").GetInt64(), taesd.encoder.parameters().Sum(p => p.numel()));
        Assert.Equal(counts.GetProperty("taesd_decoder").GetInt64(), taesd.decoder.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Original_taesd_file_names_map_as_the_conversion_script_maps_them()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(FewstepData.ShapesPath));
        JsonElement files = doc.RootElement.GetProperty("taesd_original_files");
        int count = 0;
        foreach ((string file, bool decoder) in new[] { ("taesd_encoder", false), ("taesd_decoder", true) })
        {
            foreach (JsonProperty key in files.GetProperty(file).EnumerateObject())
            {
                Assert.Equal(key.Value.GetString(), VaeLoader.MapOriginalKey(key.Name, decoder));
                count++;
            }
        }

        Assert.Equal(134, count);
        Assert.Throws<InvalidInputException>(() => VaeLoader.MapOriginalKey("0.weight", decoder: true));
    }

    [Fact]
    public void Original_taesd_files_and_a_vae_override_load_the_same_weights()
    {
        using var folder = new TempFolder();
        var state = Tiny.state_dict();
        // Write the fixture's weights as the original TAESD files (decoder indices one higher).
        StateDictFile.SaveSafetensors(folder.File("taesd_encoder.safetensors"), state.Where(kv => kv.Key.StartsWith("encoder.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["encoder.layers.".Length..], kv => kv.Value));
        StateDictFile.SaveSafetensors(folder.File("taesd_decoder.safetensors"), state.Where(kv => kv.Key.StartsWith("decoder.", StringComparison.Ordinal))
            .ToDictionary(kv => Renumber(kv.Key["decoder.layers.".Length..]), kv => kv.Value));
        File.Copy(Data.Path("vae", "config.json"), folder.File("config.json"));

        using AutoencoderTiny original = AutoencoderTiny.FromPretrained(folder.Path);
        using var mode = inference_mode();
        using (var scope = NewDisposeScope())
        {
            Data.Close("taesd_decoded", original.Decode(Data.Tensor("taesd_latents")));
        }

        // The turbo pipeline with TAESD from the taesd folder's vae/ instead of its own AutoencoderKL.
        using StableDiffusionModels models = StableDiffusionModels.FromPretrained(FewstepData.Turbo.Folder, new StableDiffusionLoadOptions { Vae = Data.Path("vae") });
        Assert.IsType<AutoencoderTiny>(models.Vae);
        Assert.Equal(Data.Path("vae"), models.VaeId);
        var kl = Assert.Throws<InvalidInputException>(() => AutoencoderTiny.FromPretrained(FewstepData.Turbo.Path("vae")));
        Assert.Contains("AutoencoderKL", kl.Problem, StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidInputException>(() => StableDiffusionVae.FromPretrained(folder.File("nothing-here")));
        Assert.Contains("no such VAE folder", missing.Problem, StringComparison.Ordinal);
    }

    private static string Renumber(string key)
    {
        int dot = key.IndexOf('.', StringComparison.Ordinal);
        return $"{int.Parse(key[..dot], System.Globalization.CultureInfo.InvariantCulture) + 1}{key[dot..]}";
    }
}
