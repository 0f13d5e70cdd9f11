using System.Text.Json;
using System.Text.Json.Nodes;
using XPaste.Clip;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class ClipSegModelTests
{
    private const double Tolerance = 1e-4;
    private static readonly string[] Inputs = ["pixel_values", "input_ids", "attention_mask"];

    internal static string TinyFolder => TestFiles.Data("clipseg", "clipseg_tiny");

    private static Dictionary<string, Tensor> Expected() => StateDictFile.Load(Path.Combine(TinyFolder, "expected.safetensors"));

    [Theory]
    [InlineData("")]
    [InlineData("resized_")]
    public void Tiny_model_reproduces_the_logits_and_every_intermediate(string prefix)
    {
        using var scope = NewDisposeScope();
        using ClipSegModel model = ClipSegModel.FromPretrained(TinyFolder);
        Assert.True(model.LoadReport!.IsExact, model.LoadReport.ToString());
        Dictionary<string, Tensor> expected = Expected();
        var trace = new Dictionary<string, Tensor>();
        Tensor logits = model.Run(expected[prefix + "pixel_values"], expected["input_ids"], expected["attention_mask"], trace);
        trace["logits"] = logits;

        string[] compared = expected.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (prefix.Length > 0 || !k.StartsWith("resized_", StringComparison.Ordinal)))
            .Select(k => k[prefix.Length..]).Where(k => !Inputs.Contains(k)).ToArray();
        Assert.Equal(prefix.Length == 0 ? 19 : 17, compared.Length);
        Assert.All(compared, name =>
        {
            Assert.True(trace.ContainsKey(name), $"the model does not produce {name}");
            double error = MaxError(expected[prefix + name], trace[name]);
            Assert.True(error <= Tolerance, $"{prefix}{name}: max abs error {error}");
        });
        foreach (Tensor t in trace.Values)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void Forward_gives_the_logits_with_or_without_the_attention_mask_and_from_float_ids()
    {
        using var scope = NewDisposeScope();
        using ClipSegModel model = ClipSegModel.FromPretrained(TinyFolder);
        Dictionary<string, Tensor> expected = Expected();
        Tensor withMask = model.forward(expected["pixel_values"], expected["input_ids"], expected["attention_mask"]);
        Tensor without = model.forward(expected["pixel_values"], expected["input_ids"].to(ScalarType.Int32));
        Assert.Equal(new long[] { 2, 64, 64 }, without.shape);
        Assert.True(MaxError(expected["logits"], withMask) <= Tolerance);
        Assert.True(MaxError(expected["logits"], without) <= Tolerance);
        // The prompts matter: swapping them moves the logits (by about 1.5 in the reference).
        Tensor swapped = model.forward(expected["pixel_values"], expected["input_ids"].flip(0));
        Assert.True(MaxError(expected["logits"], swapped) > 0.5);
    }

    [Fact]
    public void Tiny_model_input_ids_are_what_the_clip_tokenizer_gives_up_to_the_padding()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = Expected();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyFolder, "expected.json")));
        string[] prompts = doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!).ToArray();
        Tensor ids = XPaste.Tests.Clip.ClipTokenizerTests.Tokenizer.Tokenize(prompts);
        // The processor pads with <|endoftext|>, clip.tokenize with 0; the mask marks the real tokens.
        Tensor mask = expected["attention_mask"].to(ScalarType.Int64);
        Assert.Equal((expected["input_ids"].to(ScalarType.Int64) * mask).data<long>().ToArray(), (ids * mask).data<long>().ToArray());
    }

    [Theory]
    [InlineData("CIDAS/clipseg-rd64-refined")]
    [InlineData("CIDAS/clipseg-rd64")]
    public void Real_configs_build_exactly_the_checkpoint_names_and_shapes(string repo)
    {
        using JsonDocument shapes = JsonDocument.Parse(File.ReadAllText(TestFiles.Data("clipseg", "clipseg_rd64_refined_shapes.json")));
        Dictionary<string, long[]> expected = shapes.RootElement.GetProperty("models").GetProperty(repo).EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());
        var config = JsonNode.Parse(shapes.RootElement.GetProperty("configs").GetProperty(repo).GetRawText())!.AsObject();
        long parameters = config["parameter_count"]!.GetValue<long>();
        config.Remove("parameter_count");

        using var model = new ClipSegModel(ClipSegConfig.Parse(config.ToJsonString()), META);
        Dictionary<string, long[]> actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Empty(expected.Keys.Except(actual.Keys).Order());
        Assert.Empty(actual.Keys.Except(expected.Keys).Order());
        Assert.All(expected, kv => Assert.True(kv.Value.SequenceEqual(actual[kv.Key]),
            $"{kv.Key}: checkpoint [{string.Join(",", kv.Value)}], model [{string.Join(",", actual[kv.Key])}]"));
        Assert.Equal(parameters, actual.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void Stale_position_ids_buffers_are_ignored()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        Dictionary<string, Tensor> weights = StateDictFile.Load(Path.Combine(TinyFolder, "model.safetensors"));
        weights["clip.text_model.embeddings.position_ids"] = arange(77, ScalarType.Int64).unsqueeze(0);
        weights["clip.vision_model.embeddings.position_ids"] = arange(17, ScalarType.Int64).unsqueeze(0);
        StateDictFile.SaveSafetensors(temp.File("model.safetensors"), weights);

        using ClipSegModel model = ClipSegModel.FromPretrained(temp.Path);
        Assert.True(model.LoadReport!.IsExact, model.LoadReport.ToString());
    }

    [Fact]
    public void A_torch_save_checkpoint_with_position_ids_loads_like_the_published_pytorch_model_bin()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        Dictionary<string, Tensor> weights = StateDictFile.Load(Path.Combine(TinyFolder, "model.safetensors"));
        weights["clip.vision_model.embeddings.position_ids"] = arange(17, ScalarType.Int64).unsqueeze(0);
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(temp.File("pytorch_model.bin"), new System.Collections.Hashtable(weights));

        using ClipSegModel model = ClipSegModel.FromPretrained(temp.Path);
        Assert.True(model.LoadReport!.IsExact, model.LoadReport.ToString());
        Dictionary<string, Tensor> expected = Expected();
        Assert.True(MaxError(expected["logits"], model.forward(expected["pixel_values"], expected["input_ids"])) <= Tolerance);
    }

    [Fact]
    public void Truncated_weights_are_reported_against_the_file()
    {
        using var temp = new TempFolder();
        File.Copy(Path.Combine(TinyFolder, "config.json"), temp.File("config.json"));
        byte[] bytes = File.ReadAllBytes(Path.Combine(TinyFolder, "model.safetensors"));
        File.WriteAllBytes(temp.File("model.safetensors"), bytes[..(bytes.Length / 2)]);

        var ex = Assert.ThrowsAny<InvalidWeightsException>(() => ClipSegModel.FromPretrained(temp.Path));
        Assert.Contains("model.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_of_the_other_variant_are_a_mismatch_listing_every_tensor()
    {
        using var temp = new TempFolder();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyFolder, "config.json")))!.AsObject();
        config["use_complex_transposed_convolution"] = false;
        config["reduce_dim"] = 8;
        File.WriteAllText(temp.File("config.json"), config.ToJsonString());
        File.Copy(Path.Combine(TinyFolder, "model.safetensors"), temp.File("model.safetensors"));

        var ex = Assert.Throws<WeightsMismatchException>(() => ClipSegModel.FromPretrained(temp.Path));
        Assert.Contains("decoder.transposed_convolution.0.weight", ex.Report.Unexpected);
        Assert.Contains("decoder.transposed_convolution.weight", ex.Report.Missing);
        Assert.Contains(ex.Report.Mismatched, m => m.Name == "decoder.film_mul.weight");
        Assert.DoesNotContain(ex.Report.Missing, n => n.StartsWith("clip.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("reduce_dim", null, "missing key \"reduce_dim\"")]
    [InlineData("reduce_dim", "\"16\"", "\"reduce_dim\" must be an integer")]
    [InlineData("extract_layers", "[0, 9]", "extract_layers [0, 9]")]
    [InlineData("use_complex_transposed_convolution", "1", "\"use_complex_transposed_convolution\" must be true or false")]
    [InlineData("text_config.eos_token_id", null, "missing key \"text_config.eos_token_id\"")]
    [InlineData("vision_config.patch_size", "16.5", "\"vision_config.patch_size\" must be an integer")]
    [InlineData("model_type", "\"clip\"", "model_type is \"clip\"")]
    public void Config_problems_name_the_file_and_the_key(string key, string? value, string message)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyFolder, "config.json")))!.AsObject();
        JsonObject owner = config;
        string leaf = key;
        if (key.Contains('.', StringComparison.Ordinal))
        {
            owner = config[key[..key.IndexOf('.', StringComparison.Ordinal)]]!.AsObject();
            leaf = key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..];
        }

        owner.Remove(leaf);
        if (value is not null)
        {
            owner[leaf] = JsonNode.Parse(value);
        }

        var ex = Assert.Throws<InvalidInputException>(() => ClipSegConfig.Parse(config.ToJsonString(), "some/config.json"));
        Assert.Equal("some/config.json", ex.Input);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inputs_that_are_not_square_multiples_of_the_patch_or_mismatch_the_prompts_are_refused()
    {
        using var scope = NewDisposeScope();
        using ClipSegModel model = ClipSegModel.FromPretrained(TinyFolder);
        Tensor ids = zeros(2, 77, ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 3, 64, 80), ids));
        Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 3, 72, 72), ids));
        Assert.Throws<ArgumentException>(() => model.forward(zeros(3, 3, 64, 64), ids));
        Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 3, 64, 64), zeros(2, 78, ScalarType.Int64)));
    }

    private static double MaxError(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using Tensor diff = (expected.to(ScalarType.Float64) - actual.cpu().to(ScalarType.Float64)).abs();
        return diff.max().item<double>();
    }
}
