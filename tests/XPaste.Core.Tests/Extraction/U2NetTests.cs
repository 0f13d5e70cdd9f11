using System.Text.Json;
using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class U2NetTests
{
    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("model.pth")]
    public void Small_model_matches_the_reference_outputs(string file)
    {
        using var scope = NewDisposeScope();
        using U2Net model = U2Net.FromPretrained(TestFiles.Data("u2netp", file));
        WeightLoadReport report = model.LoadReport!;
        Assert.True(model.IsSmall);
        Dictionary<string, Tensor> expected = StateDictFile.Load(TestFiles.Data("u2netp", "expected.safetensors"));

        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(798, report.Loaded.Count);
        Assert.False(model.training);

        Tensor[] outputs;
        using (inference_mode())
        {
            outputs = model.call(expected["input"]);
        }

        Assert.Equal(7, outputs.Length);
        for (int i = 0; i < 7; i++)
        {
            Tensor reference = expected[$"d{i}"];
            Assert.Equal(reference.shape, outputs[i].shape);
            double error = (outputs[i] - reference).abs().max().item<float>();
            Assert.True(error < 1e-4, $"d{i}: max abs error {error}");
        }

        // The outputs are sigmoids of distinct maps, so a wiring slip (e.g. swapped side outputs) cannot hide.
        Assert.True((outputs[0] - outputs[1]).abs().max().item<float>() > 1e-2);
    }

    [Fact]
    public void Folded_channels_last_evaluation_matches_the_plain_layers()
    {
        using var scope = NewDisposeScope();
        using U2Net model = U2Net.FromPretrained(TestFiles.Data("u2netp", "model.safetensors"));
        Tensor input = StateDictFile.Load(TestFiles.Data("u2netp", "expected.safetensors"))["input"];
        Assert.True(model.FoldBatchNorm && model.ChannelsLast);

        Tensor[] fast, plain;
        using (inference_mode())
        {
            fast = model.call(input);
            model.FoldBatchNorm = false;
            model.ChannelsLast = false;
            plain = model.call(input);
        }

        for (int i = 0; i < 7; i++)
        {
            Assert.True(fast[i].is_contiguous() || fast[i].shape[1] == 1);
            double difference = (fast[i] - plain[i]).abs().max().item<float>();
            // The fixture's tolerance: folding reorders fp32 sums (about 3e-5 on these distinctive weights).
            Assert.True(difference < 1e-4, $"d{i}: folded channels-last differs from conv + batch norm + ReLU by {difference}");
        }
    }

    [Fact]
    public void Full_model_has_exactly_the_published_checkpoint_names_and_shapes()
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(TestFiles.Data("u2net", "u2net_full_shapes.json")));
        var expected = json.RootElement.GetProperty("keys").EnumerateObject()
            .ToDictionary(p => p.Name, p => string.Join(",", p.Value.EnumerateArray().Select(d => d.GetInt64())));

        using var model = new U2Net(small: false);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => string.Join(",", kv.Value.shape));

        Assert.Equal(expected.Count, actual.Count);
        Assert.Empty(expected.Keys.Except(actual.Keys));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (name, shape) in expected)
        {
            Assert.True(shape == actual[name], $"{name}: expected [{shape}], got [{actual[name]}]");
        }
    }

    [Fact]
    public void Size_is_read_from_the_last_side_output_channels()
    {
        using var scope = NewDisposeScope();
        Assert.True(U2Net.IsSmallCheckpoint(new Dictionary<string, Tensor> { ["side6.weight"] = zeros(1, 64, 3, 3) }));
        Assert.False(U2Net.IsSmallCheckpoint(new Dictionary<string, Tensor> { ["side6.weight"] = zeros(1, 512, 3, 3) }));
        Assert.False(U2Net.IsSmallCheckpoint(new Dictionary<string, Tensor> { ["other.weight"] = zeros(1, 64, 3, 3) }));
    }

    [Fact]
    public void Small_checkpoint_into_full_model_fails_with_every_problem_listed()
    {
        using var full = new U2Net(small: false);
        var ex = Assert.Throws<WeightsMismatchException>(() => StateDictLoader.Load(full, TestFiles.Data("u2netp", "model.safetensors")));
        // Same names, other widths: every difference is a shape mismatch (stage1's input convolution is 3->64 in both).
        Assert.Empty(ex.Report.Missing);
        Assert.Empty(ex.Report.Unexpected);
        Assert.Contains(ex.Report.Mismatched, m => m.Name == "stage1.rebnconv1.conv_s1.weight" && m.Expected.SequenceEqual(new long[] { 32, 64, 3, 3 }));
        Assert.DoesNotContain(ex.Report.Mismatched, m => m.Name == "stage1.rebnconvin.conv_s1.weight");
        Assert.Contains("wrong shape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_without_batch_counters_still_loads_exactly()
    {
        using var folder = new TempFolder();
        Dictionary<string, Tensor> weights = StateDictFile.Load(TestFiles.Data("u2netp", "model.safetensors"));
        try
        {
            var old = weights.Where(kv => !kv.Key.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.True(old.Count < weights.Count);
            string path = folder.File("old.safetensors");
            StateDictFile.SaveSafetensors(path, old);

            using U2Net model = U2Net.FromPretrained(path);
            WeightLoadReport report = model.LoadReport!;
            Assert.True(report.IsExact);
            Assert.Equal(old.Count, report.Loaded.Count);
        }
        finally
        {
            foreach (Tensor t in weights.Values)
            {
                t.Dispose();
            }
        }
    }

    [Fact]
    public void Odd_input_sizes_round_trip_through_ceil_mode_pooling()
    {
        using var scope = NewDisposeScope();
        using var model = new U2Net(small: true);
        model.eval();
        using (inference_mode())
        {
            Tensor[] outputs = model.call(randn(1, 3, 37, 45));
            Assert.All(outputs, d => Assert.Equal(new long[] { 1, 1, 37, 45 }, d.shape));
        }
    }
}
