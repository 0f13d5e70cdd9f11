using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.PyBridge;
using XPaste.Clip;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Clip;

public sealed class ClipModelTests
{
    private const double Tolerance = 1e-4;

    internal static string TinyFolder => TestFiles.Data("clip", "clip_tiny");

    [Fact]
    public void Tiny_model_reproduces_every_transformers_output()
    {
        using var scope = NewDisposeScope();
        using ClipModel model = ClipModel.FromPretrained(TinyFolder);
        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(TinyFolder, "expected.safetensors"));
        Tensor pixels = expected["pixel_values"];
        Tensor ids = expected["input_ids"].to(ScalarType.Int64);

        Assert.True(model.LoadReport!.IsExact, model.LoadReport.ToString());
        Assert.Equal(ScalarType.Float32, model.ComputeType);
        AssertClose(expected["image_embeds"], model.GetImageFeatures(pixels));
        AssertClose(expected["text_embeds"], model.GetTextFeatures(ids));
        using ClipOutput output = model.Forward(pixels, ids);
        AssertClose(expected["logits_per_image"], output.LogitsPerImage);
        AssertClose(expected["logits_per_text"], output.LogitsPerText);
        AssertClose(expected["logits_per_image"], model.Logits(model.GetImageFeatures(pixels), model.GetTextFeatures(ids)));
        using Tensor checkpointScale = StateDictFile.Load(Path.Combine(TinyFolder, "model.safetensors"))["logit_scale"];
        Assert.Equal(MathF.Exp(checkpointScale.item<float>()), model.LogitScale, 5);
    }

    [Fact]
    public void Tiny_model_input_ids_are_what_the_tokenizer_gives_for_the_prompts()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(TinyFolder, "expected.safetensors"));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyFolder, "expected.json")));
        string[] prompts = doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!).ToArray();
        Tensor ids = ClipTokenizerTests.Tokenizer.Tokenize(prompts);
        Assert.Equal(expected["input_ids"].to(ScalarType.Int64).data<long>().ToArray(), ids.data<long>().ToArray());
    }

    [Fact]
    public void Torch_save_checkpoint_loads_like_the_safetensors_one()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        Dictionary<string, Tensor> weights = StateDictFile.Load(Path.Combine(TinyFolder, "model.safetensors"));
        PyTorchPickler.PickleStateDict(temp.File("pytorch_model.bin"), new Hashtable(weights));

        using ClipModel fromBin = ClipModel.FromPretrained(temp.Path);
        using ClipModel fromSafetensors = ClipModel.FromPretrained(TinyFolder);
        Tensor pixels = rand(2, 3, 32, 32);
        Assert.True(fromBin.LoadReport!.IsExact);
        AssertClose(fromSafetensors.GetImageFeatures(pixels), fromBin.GetImageFeatures(pixels), 0);
    }

    [Fact]
    public void Bf16_precision_stays_within_two_percent_of_full_precision_and_keeps_norms_in_fp32()
    {
        using var scope = NewDisposeScope();
        using ClipModel full = ClipModel.FromPretrained(TinyFolder);
        using ClipModel bf16 = ClipModel.FromPretrained(TinyFolder, options: new ClipModelOptions { Precision = ClipPrecision.Bf16 });
        Assert.Equal(ScalarType.BFloat16, bf16.ComputeType);
        Dictionary<string, Tensor> state = bf16.state_dict();
        Assert.Equal(ScalarType.BFloat16, state["vision_model.encoder.layers.0.mlp.fc1.weight"].dtype);
        Assert.Equal(ScalarType.Float32, state["vision_model.encoder.layers.0.layer_norm1.weight"].dtype);
        Assert.Equal(ScalarType.Float32, state["logit_scale"].dtype);

        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(TinyFolder, "expected.safetensors"));
        Tensor pixels = expected["pixel_values"];
        Tensor reference = full.GetImageFeatures(pixels), features = bf16.GetImageFeatures(pixels);
        Assert.Equal(ScalarType.Float32, features.dtype);
        // bf16 keeps 8 bits of mantissa: relative to the largest feature, within 2% on the fixture.
        double relative = (features - reference).abs().max().item<float>() / reference.abs().max().item<float>();
        Assert.True(relative < 0.02, $"bf16 image features differ by {relative} of the largest feature");
        Assert.True(relative > 0, "bf16 features equal fp32 ones: bf16 was not used");
    }

    [Fact]
    public void Half_precision_stays_close_to_full_precision_and_keeps_norms_in_fp32()
    {
        using var scope = NewDisposeScope();
        using ClipModel full = ClipModel.FromPretrained(TinyFolder);
        using ClipModel half = ClipModel.FromPretrained(TinyFolder, options: new ClipModelOptions { Precision = ClipPrecision.Fp16 });
        Assert.Equal(ScalarType.Float16, half.ComputeType);
        Dictionary<string, Tensor> state = half.state_dict();
        Assert.Equal(ScalarType.Float16, state["vision_model.encoder.layers.0.mlp.fc1.weight"].dtype);
        Assert.Equal(ScalarType.Float32, state["vision_model.encoder.layers.0.layer_norm1.weight"].dtype);
        Assert.Equal(ScalarType.Float32, state["text_model.final_layer_norm.bias"].dtype);
        Assert.Equal(ScalarType.Float32, state["logit_scale"].dtype);

        Dictionary<string, Tensor> expected = StateDictFile.Load(Path.Combine(TinyFolder, "expected.safetensors"));
        Tensor pixels = expected["pixel_values"];
        Tensor ids = expected["input_ids"].to(ScalarType.Int64);
        using ClipOutput reference = full.Forward(pixels, ids);
        ClipOutput output;
        try
        {
            output = half.Forward(pixels, ids);
        }
        catch (Exception ex) when (ex.Message.Contains("not implemented for 'Half'", StringComparison.Ordinal))
        {
            // Some CPU builds of libtorch lack half kernels; the fp16 path is meant for CUDA.
            Console.WriteLine("fp16 forward not supported on this CPU build: " + ex.Message);
            return;
        }

        using ClipOutput owned = output;
        Assert.Equal(ScalarType.Float32, output.LogitsPerImage.dtype);
        double error = (output.LogitsPerImage - reference.LogitsPerImage).abs().max().item<float>();
        Assert.True(error < 0.1, $"fp16 logits differ from fp32 by {error}");
    }

    [Theory]
    [InlineData("ViT-B-32", "clip-vit-base-patch32.json")]
    [InlineData("ViT-B-16", "clip-vit-base-patch16.json")]
    [InlineData("ViT-L-14", "clip-vit-large-patch14.json")]
    public void Real_configs_build_exactly_the_checkpoint_names_and_shapes(string model, string configFile)
    {
        using JsonDocument shapes = JsonDocument.Parse(File.ReadAllText(TestFiles.Data("clip", "clip_checkpoint_shapes.json")));
        Dictionary<string, long[]> expected = shapes.RootElement.GetProperty("models").GetProperty(model).EnumerateObject()
            .Where(p => !p.Name.EndsWith(".position_ids", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());

        ClipConfig config = ClipConfig.Load(TestFiles.Data("clip", "configs", configFile));
        // Nothing is allocated on the meta device, so even ViT-L/14 (430M parameters) costs nothing here.
        using var clip = new ClipModel(config, META);
        Dictionary<string, long[]> actual = clip.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Empty(expected.Keys.Except(actual.Keys).Order());
        Assert.Empty(actual.Keys.Except(expected.Keys).Order());
        Assert.All(expected, kv => Assert.True(kv.Value.SequenceEqual(actual[kv.Key]),
            $"{kv.Key}: checkpoint [{string.Join(",", kv.Value)}], model [{string.Join(",", actual[kv.Key])}]"));
    }

    [Fact]
    public void Legacy_config_dicts_override_the_sub_configs_with_transformers_defaults_beneath()
    {
        ClipConfig large = ClipConfig.Load(TestFiles.Data("clip", "configs", "clip-vit-large-patch14.json"));
        Assert.Equal(768, large.ProjectionDim);
        Assert.Equal(1024, large.Vision.HiddenSize);
        Assert.Equal(14, large.Vision.PatchSize);
        Assert.Equal(24, large.Vision.NumHiddenLayers);
        // text_config says eos_token_id 2, but text_config_dict does not, so transformers' default applies.
        Assert.Equal(49407, large.Text.EosTokenId);

        ClipConfig basic = ClipConfig.Load(TestFiles.Data("clip", "configs", "clip-vit-base-patch32.json"));
        Assert.Equal(2, basic.Text.EosTokenId);
        Assert.Equal("quick_gelu", basic.Vision.HiddenAct);
    }

    [Fact]
    public void Pooling_follows_transformers_rule()
    {
        using var scope = NewDisposeScope();
        // Every row's largest id is 49407: its first position, whatever eos_token_id says.
        Tensor clipIds = tensor(new long[] { 49406, 5, 49407, 0, 49406, 49407, 49407, 49407 }, [2, 4]);
        Assert.Equal(new long[] { 2, 1 }, ClipTextTransformer.PoolingIndex(clipIds, 2).data<long>().ToArray());
        // Otherwise the first position of eos_token_id (0 when absent).
        Tensor otherIds = tensor(new long[] { 1, 7, 9, 7, 1, 2, 3, 4 }, [2, 4]);
        Assert.Equal(new long[] { 1, 0 }, ClipTextTransformer.PoolingIndex(otherIds, 7).data<long>().ToArray());
    }

    [Fact]
    public void Truncated_weights_are_reported_as_truncated()
    {
        using var temp = new TempFolder();
        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        byte[] weights = File.ReadAllBytes(Path.Combine(TinyFolder, "model.safetensors"));
        File.WriteAllBytes(temp.File("model.safetensors"), weights.AsSpan(0, weights.Length - 1000).ToArray());

        var ex = Assert.Throws<InvalidWeightsException>(() => ClipModel.FromPretrained(temp.Path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_that_does_not_fit_the_weights_names_every_difference()
    {
        using var temp = new TempFolder();
        JsonNode config = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyFolder, "config.json")))!;
        config["text_config"]!["intermediate_size"] = 96;
        config["vision_config"]!["num_hidden_layers"] = 3;
        File.WriteAllText(temp.File("config.json"), config.ToJsonString());
        File.Copy(Path.Combine(TinyFolder, "model.safetensors"), temp.File("model.safetensors"));

        var ex = Assert.Throws<WeightsMismatchException>(() => ClipModel.FromPretrained(temp.Path));
        Assert.Contains("does not fit the model", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text_model.encoder.layers.0.mlp.fc1.weight (module [96,32], checkpoint [128,32])", ex.Message, StringComparison.Ordinal);
        Assert.Contains("16 missing from the checkpoint: vision_model.encoder.layers.2.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(6, ex.Report.Mismatched.Count);
        Assert.All(ex.Report.Missing, name => Assert.StartsWith("vision_model.encoder.layers.2.", name, StringComparison.Ordinal));
        Assert.Empty(ex.Report.Unexpected);

        // Non-strict loading keeps what fits and reports the rest.
        using ClipModel partial = ClipModel.FromPretrained(temp.Path, options: new ClipModelOptions { Strict = false });
        Assert.False(partial.LoadReport!.IsExact);
        Assert.Equal(6, partial.LoadReport.Mismatched.Count);
        Assert.Equal(16, partial.LoadReport.Missing.Count);
    }

    [Fact]
    public void Weights_with_extra_tensors_are_reported_as_unexpected()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        Dictionary<string, Tensor> weights = StateDictFile.Load(Path.Combine(TinyFolder, "model.safetensors"));
        weights["text_model.embeddings.position_ids"] = arange(77).unsqueeze(0);
        weights["text_model.extra.weight"] = zeros(2);
        StateDictFile.SaveSafetensors(temp.File("model.safetensors"), weights);

        var ex = Assert.Throws<WeightsMismatchException>(() => ClipModel.FromPretrained(temp.Path));
        Assert.Equal(["text_model.extra.weight"], ex.Report.Unexpected);
        Assert.Contains("1 unexpected in the checkpoint: text_model.extra.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_files_and_bad_configs_are_rejected_by_name()
    {
        using var temp = new TempFolder();
        var noConfig = Assert.Throws<InvalidInputException>(() => ClipModel.FromPretrained(temp.Path));
        Assert.EndsWith("config.json", noConfig.Input, StringComparison.Ordinal);

        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        var noWeights = Assert.Throws<InvalidInputException>(() => ClipModel.FromPretrained(temp.Path));
        Assert.Contains("model.safetensors or pytorch_model.bin", noWeights.Message, StringComparison.Ordinal);

        var act = Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith("text_config", "hidden_act", "swish")));
        Assert.Contains("hidden_act 'swish'", act.Message, StringComparison.Ordinal);
        var heads = Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith("vision_config", "num_attention_heads", 3)));
        Assert.Contains("not divisible", heads.Message, StringComparison.Ordinal);
        var type = Assert.Throws<InvalidInputException>(() => ClipConfig.Parse("""{"model_type": "siglip"}"""));
        Assert.Contains("siglip", type.Message, StringComparison.Ordinal);
    }

    /// <summary>The tiny model's config.json with one key of a section set to a value (null removes the key).</summary>
    internal static string TinyConfigWith(string? section, string key, JsonNode? value, bool remove = false)
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyFolder, "config.json")))!.AsObject();
        JsonObject target = section is null ? root : root[section]!.AsObject();
        if (remove)
        {
            target.Remove(key);
        }
        else
        {
            target[key] = value;
        }

        return root.ToJsonString();
    }

    [Theory]
    [InlineData("text_config", "num_hidden_layers", "config.json: text_config.num_hidden_layers is missing")]
    [InlineData("text_config", "hidden_size", "config.json: text_config.hidden_size is missing")]
    [InlineData("vision_config", "patch_size", "config.json: vision_config.patch_size is missing")]
    [InlineData("vision_config", "intermediate_size", "config.json: vision_config.intermediate_size is missing")]
    [InlineData(null, "projection_dim", "config.json: projection_dim is missing")]
    [InlineData(null, "text_config", "config.json: text_config is missing (a CLIPModel config has text_config and vision_config)")]
    public void A_config_missing_a_shape_key_names_config_json_and_the_key(string? section, string key, string message)
    {
        var ex = Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith(section, key, null, remove: true)));

        Assert.Equal(message, ex.Message);
        Assert.Equal("config.json", ex.Input);
    }

    [Fact]
    public void A_config_value_of_the_wrong_type_names_the_key()
    {
        Assert.Equal("config.json: text_config.num_hidden_layers must be an integer, not the string \"3\"",
            Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith("text_config", "num_hidden_layers", "3"))).Message);
        Assert.Equal("config.json: vision_config.image_size must be an integer, not the number 30.5",
            Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith("vision_config", "image_size", 30.5))).Message);
        Assert.Equal("config.json: text_config.hidden_act must be a string, not the number 1",
            Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith("text_config", "hidden_act", 1))).Message);
        Assert.Equal("config.json: vision_config must be a JSON object, not an array",
            Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith(null, "vision_config", new JsonArray()))).Message);
        Assert.Equal("config.json: logit_scale_init_value must be a number, not the string \"x\"",
            Assert.Throws<InvalidInputException>(() => ClipConfig.Parse(TinyConfigWith(null, "logit_scale_init_value", "x"))).Message);
    }

    [Fact]
    public void From_pretrained_blames_config_json_not_the_weights_for_a_missing_key()
    {
        using var temp = new TempFolder();
        foreach (string file in Directory.EnumerateFiles(TinyFolder))
        {
            File.Copy(file, temp.File(Path.GetFileName(file)));
        }

        File.WriteAllText(temp.File("config.json"), TinyConfigWith("text_config", "num_hidden_layers", null, remove: true));

        var ex = Assert.Throws<InvalidInputException>(() => ClipModel.FromPretrained(temp.Path));

        Assert.Equal(temp.File("config.json"), ex.Input);
        Assert.Equal("text_config.num_hidden_layers is missing", ex.Problem);
    }

    [Fact]
    public void Gelu_configs_use_the_exact_gelu()
    {
        using var scope = NewDisposeScope();
        Tensor x = linspace(-3, 3, 13);
        Tensor quick = ClipActivation.Get("quick_gelu")(x);
        Tensor exact = ClipActivation.Get("gelu")(x);
        AssertClose(x * sigmoid(x * 1.702), quick, 1e-6);
        AssertClose(x * 0.5 * (1 + special.erf(x / Math.Sqrt(2))), exact, 1e-6);
    }

    [Fact]
    public void Image_tower_rejects_the_wrong_input_size()
    {
        using ClipModel model = ClipModel.FromPretrained(TinyFolder);
        using Tensor wrong = zeros(1, 3, 64, 64);
        var ex = Assert.Throws<ArgumentException>(() => model.GetImageFeatures(wrong));
        Assert.Contains("[B,C,32,32]", ex.Message, StringComparison.Ordinal);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        double error = (expected.to(ScalarType.Float32).cpu() - actual.to(ScalarType.Float32).cpu()).abs().max().item<float>();
        Assert.True(error <= tolerance, $"max abs error {error} exceeds {tolerance}");
    }
}
