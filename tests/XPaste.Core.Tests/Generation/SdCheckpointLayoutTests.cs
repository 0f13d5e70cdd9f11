using System.Text.Json;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>Names and shapes of the real SD v1.5 models, the single-file key map, and the single-file / fp16 loading paths.</summary>
public sealed class SdCheckpointLayoutTests
{
    private static readonly string ShapesPath = TestFiles.Data("generation", "sd15_checkpoint_shapes.json");

    [Fact]
    public void Sd15_models_built_on_meta_have_exactly_the_diffusers_names_and_shapes()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(ShapesPath));
        JsonElement configs = doc.RootElement.GetProperty("configs");
        JsonElement models = doc.RootElement.GetProperty("models");
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(configs.GetProperty("unet").GetRawText()), META);
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Parse(configs.GetProperty("vae").GetRawText()), META);
        using var text = new ClipTextModel(ClipTextModel.ReadConfig(ConfigJson.Parse(configs.GetProperty("text_encoder").GetRawText(), "te")), META);
        AssertShapes(models.GetProperty("unet"), unet, 686, 859_520_964);
        AssertShapes(models.GetProperty("vae"), vae, 248, 83_653_863);
        AssertShapes(models.GetProperty("text_encoder"), text, 196, 123_060_480);
    }

    [Fact]
    public void Single_file_key_map_maps_every_listed_key_and_no_other()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(ShapesPath));
        JsonElement configs = doc.RootElement.GetProperty("configs");
        var unetConfig = UNet2DConditionConfig.Parse(configs.GetProperty("unet").GetRawText());
        var vaeConfig = AutoencoderKLConfig.Parse(configs.GetProperty("vae").GetRawText());
        using var unet = new UNet2DConditionModel(unetConfig, META);
        using var vae = new AutoencoderKL(vaeConfig, META);
        using var text = new ClipTextModel(ClipTextModel.ReadConfig(ConfigJson.Parse(configs.GetProperty("text_encoder").GetRawText(), "te")), META);
        var map = LdmKeyMap.Build(unetConfig, unet.state_dict().Keys, vaeConfig, vae.state_dict().Keys, text.state_dict().Keys);

        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty component in doc.RootElement.GetProperty("single_file").EnumerateObject())
        {
            foreach (JsonProperty key in component.Value.EnumerateObject())
            {
                expected.Add(key.Name, key.Value.GetProperty("diffusers").GetString()!);
            }
        }

        Assert.Equal(686 + 248 + 196, expected.Count);
        var actual = map.ToDictionary(kv => kv.Key, kv => kv.Value.Name, StringComparer.Ordinal);
        Assert.Empty(expected.Keys.Except(actual.Keys).Take(5));
        Assert.Empty(actual.Keys.Except(expected.Keys).Take(5));
        Assert.All(expected, kv => Assert.Equal(kv.Value, actual[kv.Key]));
        Assert.False(LdmKeyMap.IsIgnorable("model.diffusion_model.input_blocks.0.0.weight"));
        Assert.True(LdmKeyMap.IsIgnorable("model_ema.diffusion_modelinput_blocks00weight"));
        Assert.True(LdmKeyMap.IsIgnorable("alphas_cumprod"));
    }

    [Fact]
    public void Single_file_fp16_checkpoint_loads_exactly_the_fp16_rounded_folder_weights()
    {
        string folder = SdTinyFixture.Folder;
        using var models = StableDiffusionModels.FromPretrained(Path.Combine(folder, "single_file", "sd_tiny_unet_vae_ldm.fp16.safetensors"),
            new StableDiffusionLoadOptions { ConfigFolder = folder });
        AssertRoundedEqual(Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors"), models.Unet, ScalarType.Float16);
        AssertRoundedEqual(Path.Combine(folder, "vae", "diffusion_pytorch_model.safetensors"), models.Vae, ScalarType.Float16);
        // The file has no text encoder: it comes from the config folder, unrounded.
        AssertRoundedEqual(Path.Combine(folder, "text_encoder", "model.safetensors"), models.TextEncoder, ScalarType.Float32,
            ignore: "text_model.embeddings.position_ids");
        Assert.Equal(ScalarType.Float32, models.DType);
    }

    [Fact]
    public void Fp16_variant_files_are_chosen_when_asked()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        foreach (string sub in new[] { "unet", "vae" })
        {
            string plain = Path.Combine(copy, sub, "diffusion_pytorch_model.safetensors");
            Dictionary<string, Tensor> weights = StateDictFile.LoadSafetensors(plain);
            StateDictFile.SaveSafetensors(Path.Combine(copy, sub, "diffusion_pytorch_model.fp16.safetensors"),
                weights.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float16)));
            File.Delete(plain);
        }

        using var models = StableDiffusionModels.FromPretrained(copy, new StableDiffusionLoadOptions { Variant = "fp16" });
        AssertRoundedEqual(Path.Combine(SdTinyFixture.Folder, "unet", "diffusion_pytorch_model.safetensors"), models.Unet, ScalarType.Float16);
        Assert.Equal(ScalarType.Float32, models.DType);
        var error = Assert.Throws<InvalidInputException>(() => StableDiffusionModels.FromPretrained(copy));
        Assert.EndsWith("unet", error.Input, StringComparison.Ordinal);
        Assert.Contains("no weights", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_vae_attention_names_are_renamed_on_load()
    {
        using var temp = new TempFolder();
        string copy = SdTestFiles.CopyTiny(temp.Path);
        string path = Path.Combine(copy, "vae", "diffusion_pytorch_model.safetensors");
        Dictionary<string, Tensor> weights = StateDictFile.LoadSafetensors(path);
        var legacy = weights.ToDictionary(kv => kv.Key
            .Replace(".attentions.0.to_q.", ".attentions.0.query.", StringComparison.Ordinal)
            .Replace(".attentions.0.to_k.", ".attentions.0.key.", StringComparison.Ordinal)
            .Replace(".attentions.0.to_v.", ".attentions.0.value.", StringComparison.Ordinal)
            .Replace(".attentions.0.to_out.0.", ".attentions.0.proj_attn.", StringComparison.Ordinal), kv => kv.Value);
        Assert.Contains("encoder.mid_block.attentions.0.proj_attn.weight", legacy.Keys);
        StateDictFile.SaveSafetensors(path, legacy);
        using var models = StableDiffusionModels.FromPretrained(copy);
        AssertRoundedEqual(Path.Combine(SdTinyFixture.Folder, "vae", "diffusion_pytorch_model.safetensors"), models.Vae, ScalarType.Float32);
    }

    private static void AssertShapes(JsonElement expected, nn.Module module, int count, long parameters)
    {
        var actual = module.state_dict();
        var want = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());
        Assert.Equal(count, want.Count);
        Assert.Empty(want.Keys.Except(actual.Keys).Take(5));
        Assert.Empty(actual.Keys.Except(want.Keys).Take(5));
        Assert.All(want, kv => Assert.Equal(kv.Value, actual[kv.Key].shape));
        Assert.Equal(parameters, actual.Values.Sum(t => t.NumberOfElements));
    }

    private static void AssertRoundedEqual(string reference, nn.Module module, ScalarType rounding, string? ignore = null)
    {
        Dictionary<string, Tensor> weights = StateDictFile.LoadSafetensors(reference);
        var actual = module.state_dict();
        Assert.Equal(weights.Keys.Where(k => k != ignore).OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, tensor) in actual)
        {
            using Tensor expected = weights[name].to(rounding).to(ScalarType.Float32);
            TensorAssert.Equal(expected, tensor);
        }

        foreach (Tensor t in weights.Values)
        {
            t.Dispose();
        }
    }
}

/// <summary>Scratch copies of sd_tiny for tests that break or rewrite files.</summary>
internal static class SdTestFiles
{
    /// <summary>Copies the pipeline folders (not the expected outputs or PNGs) under <paramref name="root"/>; returns the copy.</summary>
    public static string CopyTiny(string root, params string[] skip)
    {
        string target = Path.Combine(root, "sd_tiny");
        string source = SdTinyFixture.Folder;
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            string top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "single_file" || relative.StartsWith("expected", StringComparison.Ordinal) || relative.StartsWith("seeded", StringComparison.Ordinal)
                || skip.Contains(top) || skip.Contains(relative))
            {
                continue;
            }

            string destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
