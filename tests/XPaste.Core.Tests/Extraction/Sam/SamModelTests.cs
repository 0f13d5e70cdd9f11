using System.Text.Json;
using System.Text.Json.Nodes;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction.Sam;

public sealed class SamModelTests
{
    private static readonly string[] VisionTensors =
        ["vision_embeddings", "vision_layer_output_0", "vision_layer_output_1", "vision_layer_output_2", "image_embeddings", "image_positional_embeddings"];

    private static readonly string[] DecoderTensors = ["sparse_embeddings", "decoder_tokens", "decoder_image", "upscaled_embedding", "hyper_in", "iou_all"];

    public static TheoryData<string> Cases => new(SamFixture.Cases);

    [Fact]
    public void Tiny_model_loads_exactly_with_the_tied_positional_matrix_filled_from_the_shared_embedding()
    {
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        Assert.True(model.LoadReport!.IsExact, model.LoadReport.ToString());
        Dictionary<string, Tensor> state = model.state_dict();
        Assert.Contains(SamModel.TiedKey, state.Keys);
        Assert.Equal(0.0, SamFixture.MaxError(state["shared_image_embedding.positional_embedding"], state[SamModel.TiedKey]));
        // The file's matrix is not zero, so a loader that left the tie unfilled would differ.
        Assert.True(state[SamModel.TiedKey].abs().sum().item<float>() > 1);
    }

    [Fact]
    public void Vision_encoder_reproduces_every_layer_and_the_embeddings()
    {
        using var scope = NewDisposeScope();
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        var trace = new Dictionary<string, Tensor>();
        using SamOutput output = model.Run(expected["pixel_values"], null, null, null, expected["box_input_boxes"], null, true, trace);
        Assert.All(VisionTensors, name => SamFixture.AssertClose(name, expected[name], trace[name]));
        SamFixture.AssertClose("dense_embeddings", expected["dense_embeddings"], trace["dense_embeddings"]);
    }

    [Fact]
    public void Vision_attention_taken_one_grid_row_of_queries_at_a_time_gives_the_same_embeddings()
    {
        using var scope = NewDisposeScope();
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        Tensor whole = model.GetImageEmbeddings(expected["pixel_values"]);
        foreach (SamVisionLayer layer in model.vision_encoder.layers)
        {
            layer.attn.ChunkBytes = 1;
        }

        Tensor chunked = model.GetImageEmbeddings(expected["pixel_values"]);
        SamFixture.AssertClose("image_embeddings", expected["image_embeddings"], chunked);
        // Same operations on row blocks: only the matrix products' summation order may differ.
        double diff = SamFixture.MaxError(whole, chunked);
        Assert.True(diff < 1e-5, $"chunked differs from whole by {diff}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_prompt_case_reproduces_the_prompt_and_decoder_tensors_and_the_outputs(string name)
    {
        using var scope = NewDisposeScope();
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        using Tensor embeddings = model.GetImageEmbeddings(expected["pixel_values"]);
        SamFixture.AssertClose("image_embeddings", expected["image_embeddings"], embeddings);
        Tensor? Input(string kind) => expected.GetValueOrDefault($"{name}_input_{kind}");
        foreach (bool multi in new[] { true, false })
        {
            var trace = new Dictionary<string, Tensor>();
            string mode = multi ? "multi" : "single";
            using SamOutput output = model.Run(null, embeddings, Input("points"), Input("labels")?.to(ScalarType.Int64), Input("boxes"), Input("masks"), multi, trace);
            Assert.All(DecoderTensors, t => SamFixture.AssertClose($"{name}_{t}", expected[$"{name}_{t}"], trace[t]));
            if (name == "box_mask")
            {
                SamFixture.AssertClose("box_mask_dense_embeddings", expected["box_mask_dense_embeddings"], trace["dense_embeddings"]);
            }

            SamFixture.AssertClose($"{name}_{mode}_iou_scores", expected[$"{name}_{mode}_iou_scores"], output.IouScores);
            SamFixture.AssertClose($"{name}_{mode}_pred_masks", expected[$"{name}_{mode}_pred_masks"], output.PredMasks);
        }
    }

    [Fact]
    public void Forward_from_pixels_equals_forward_from_precomputed_embeddings_and_prompts_matter()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        using SamOutput direct = model.forward(expected["pixel_values"], inputBoxes: expected["box_input_boxes"]);
        Assert.Equal(new long[] { 2, 1, 3 }, direct.IouScores.shape);
        Assert.Equal(new long[] { 2, 1, 3, 32, 32 }, direct.PredMasks.shape);
        SamFixture.AssertClose("box_multi_pred_masks", expected["box_multi_pred_masks"], direct.PredMasks);
        // Another prompt moves the masks by far more than the tolerance (12 in the reference).
        using SamOutput points = model.forward(expected["pixel_values"], expected["points_input_points"], expected["points_input_labels"]);
        Assert.True(SamFixture.MaxError(expected["box_multi_pred_masks"], points.PredMasks) > 1);
    }

    [Fact]
    public void Mismatched_prompt_shapes_are_rejected_naming_the_argument()
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = SamFixture.Expected();
        using SamModel model = SamModel.FromPretrained(SamFixture.Folder);
        var noLabels = Assert.Throws<ArgumentException>(() => model.forward(expected["pixel_values"], expected["points_input_points"]));
        Assert.Equal("inputLabels", noLabels.ParamName);
        var wrongBoxes = Assert.Throws<ArgumentException>(() => model.forward(expected["pixel_values"], inputBoxes: zeros(2, 4)));
        Assert.Equal("inputBoxes", wrongBoxes.ParamName);
        var wrongPixels = Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 3, 32, 32)));
        Assert.Equal("pixelValues", wrongPixels.ParamName);
    }

    [Theory]
    [InlineData("facebook/sam-vit-base")]
    [InlineData("facebook/sam-vit-large")]
    [InlineData("facebook/sam-vit-huge")]
    public void Real_configs_build_exactly_the_checkpoint_names_and_shapes(string repo)
    {
        using JsonDocument shapes = JsonDocument.Parse(File.ReadAllText(TestFiles.Data("sam", "sam_checkpoint_shapes.json")));
        Dictionary<string, long[]> expected = shapes.RootElement.GetProperty("models").GetProperty(repo).EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());
        var config = JsonNode.Parse(shapes.RootElement.GetProperty("configs").GetProperty(repo).GetRawText())!.AsObject();
        long parameters = config["parameter_count"]!.GetValue<long>();
        int tensors = config["state_dict_tensors"]!.GetValue<int>();
        long bufferElements = config["buffer_elements"]!.GetValue<long>();
        foreach (string extra in new[] { "parameter_count", "state_dict_tensors", "buffer_elements" })
        {
            config.Remove(extra);
        }

        using var model = new SamModel(SamConfig.Parse(config.ToJsonString()), META);
        Dictionary<string, long[]> actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Empty(expected.Keys.Except(actual.Keys).Order());
        Assert.Empty(actual.Keys.Except(expected.Keys).Order());
        Assert.Equal(tensors, actual.Count);
        Assert.All(expected, kv => Assert.True(kv.Value.SequenceEqual(actual[kv.Key]),
            $"{kv.Key}: checkpoint [{string.Join(",", kv.Value)}], model [{string.Join(",", actual[kv.Key])}]"));
        Assert.Equal(parameters, model.parameters().Sum(p => p.numel()));
        Assert.Equal(bufferElements, model.buffers().Sum(b => b.numel()));
    }

    [Fact]
    public void Weights_without_the_shared_embedding_are_a_mismatch_naming_it()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        File.Copy(Path.Combine(SamFixture.Folder, "config.json"), temp.File("config.json"));
        Dictionary<string, Tensor> weights = StateDictFile.Load(Path.Combine(SamFixture.Folder, "model.safetensors"));
        weights.Remove("shared_image_embedding.positional_embedding");
        weights["mask_decoder.extra"] = zeros(1);
        StateDictFile.SaveSafetensors(temp.File("model.safetensors"), weights);

        var ex = Assert.Throws<WeightsMismatchException>(() => SamModel.FromPretrained(temp.Path));
        Assert.Contains("shared_image_embedding.positional_embedding", ex.Message, StringComparison.Ordinal);
        Assert.Contains("mask_decoder.extra", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_values_of_the_wrong_type_or_inconsistent_sizes_name_the_key()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(SamFixture.Folder, "config.json")))!.AsObject();
        config["vision_config"]!["window_size"] = "three";
        var wrongType = Assert.Throws<InvalidInputException>(() => SamConfig.Parse(config.ToJsonString(), "cfg.json"));
        Assert.Contains("window_size", wrongType.Message, StringComparison.Ordinal);

        config = JsonNode.Parse(File.ReadAllText(Path.Combine(SamFixture.Folder, "config.json")))!.AsObject();
        config["mask_decoder_config"]!["hidden_size"] = 64;
        var inconsistent = Assert.Throws<InvalidInputException>(() => SamConfig.Parse(config.ToJsonString(), "cfg.json"));
        Assert.Contains("mask_decoder_config.hidden_size", inconsistent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_that_is_no_repo_id_is_an_input_error()
    {
        var ex = Assert.Throws<InvalidInputException>(() => SamModel.FromPretrained("./no/such/sam"));
        Assert.Contains("./no/such/sam", ex.Message, StringComparison.Ordinal);
    }
}
