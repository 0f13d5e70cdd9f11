using XPaste.Extraction;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

/// <summary>
/// Inference reuses each block's folded kernel (batch norm folded into the convolution): these pin that the cache
/// never serves weights that have since changed, and that it stays out of the way of gradients.
/// </summary>
public sealed class U2NetFoldCacheTests
{
    private static readonly string Weights = TestFiles.Data("u2netp", "model.safetensors");

    private static Tensor Input() => StateDictFile.Load(TestFiles.Data("u2netp", "expected.safetensors"))["input"];

    private static Tensor Infer(U2Net model, Tensor input)
    {
        using var mode = inference_mode();
        return model.call(input)[0];
    }

    /// <summary>The fixture's weights with every convolution kernel halved: a different network on the same input.</summary>
    private static Dictionary<string, Tensor> Halved() =>
        StateDictFile.Load(Weights).ToDictionary(kv => kv.Key, kv => kv.Key.EndsWith("conv_s1.weight", StringComparison.Ordinal) ? kv.Value * 0.5 : kv.Value);

    /// <summary>A model that has never run, built from the fixture and then given <see cref="Halved"/> weights by the loader.</summary>
    private static U2Net HalvedModel()
    {
        U2Net model = U2Net.FromPretrained(Weights);
        StateDictLoader.Load(model, Halved(), "halved");
        return model;
    }

    private static void AssertSame(Tensor expected, Tensor actual, string what)
    {
        double difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference == 0, $"{what}: differs by {difference}");
    }

    [Fact]
    public void Inference_calls_reuse_one_fold_per_block_until_the_weights_change()
    {
        using var scope = NewDisposeScope();
        Tensor input = Input();
        using U2Net model = U2Net.FromPretrained(Weights);
        RebnConv[] blocks = [.. model.modules().OfType<RebnConv>()];
        Assert.All(blocks, b => Assert.Null(b.FoldedKernelForTests));

        _ = Infer(model, input);
        object?[] first = [.. blocks.Select(b => b.FoldedKernelForTests)];
        Assert.All(first, Assert.NotNull);
        _ = Infer(model, input);
        Assert.Equal(first, blocks.Select(b => b.FoldedKernelForTests), ReferenceEqualityComparer.Instance);

        StateDictLoader.Load(model, Halved(), "halved");
        Assert.All(blocks, b => Assert.Null(b.FoldedKernelForTests));
    }

    [Fact]
    public void Weights_loaded_into_a_model_that_already_ran_are_the_ones_used()
    {
        using var scope = NewDisposeScope();
        Tensor input = Input();
        using U2Net model = U2Net.FromPretrained(Weights);
        Tensor before = Infer(model, input);
        Assert.True((before - Infer(model, input)).abs().max().item<float>() == 0, "a second call differs from the first");

        StateDictLoader.Load(model, Halved(), "halved");
        using U2Net fresh = HalvedModel();

        Tensor after = Infer(model, input);
        Assert.True((after - before).abs().max().item<float>() > 1e-3, "halving the kernels changed nothing: the old fold was used");
        AssertSame(Infer(fresh, input), after, "reloaded model vs a model that never ran");
    }

    [Fact]
    public void Weights_changed_in_place_are_used_after_eval_and_after_a_step_with_gradients()
    {
        using var scope = NewDisposeScope();
        Tensor input = Input();
        using U2Net model = U2Net.FromPretrained(Weights);
        using U2Net halved = HalvedModel();
        _ = Infer(model, input);

        // Changed in place without the loader, then eval() (which frozen-statistics fine-tuning calls anyway).
        HalveKernelsInPlace(model);
        model.eval();
        AssertSame(Infer(halved, input), Infer(model, input), "in-place change, then eval()");

        // Fine-tuning with frozen statistics: a forward with gradients reaches the kernels, and an optimizer-like
        // in-place update after it is seen by the next inference call without any eval().
        Tensor loss = model.call(input)[0].sum();
        loss.backward();
        var kernel = model.named_parameters().First(p => p.name.EndsWith("conv_s1.weight", StringComparison.Ordinal)).parameter;
        Assert.NotNull(kernel.grad);
        Assert.True(kernel.grad!.abs().sum().item<float>() > 0, "no gradient reached a folded kernel");
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                parameter.grad?.zero_();
            }
        }

        using U2Net quartered = HalvedModel();
        HalveKernelsInPlace(quartered);
        HalveKernelsInPlace(model);
        AssertSame(Infer(quartered, input), Infer(model, input), "in-place change after a forward with gradients");
    }

    [Fact]
    public void A_fold_made_in_inference_mode_serves_calls_outside_it()
    {
        using var scope = NewDisposeScope();
        Tensor input = Input();
        using U2Net model = U2Net.FromPretrained(Weights);
        Tensor first = Infer(model, input);
        Tensor plain;
        using (no_grad())
        {
            plain = model.call(input)[0];
        }

        AssertSame(first, plain, "no_grad call after an inference-mode call");
    }

    [Fact]
    public async Task Concurrent_first_calls_build_one_fold_and_agree()
    {
        using U2Net reference = U2Net.FromPretrained(Weights);
        using U2Net model = U2Net.FromPretrained(Weights);
        float[] expected = InferValues(reference);

        float[][] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => InferValues(model))));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    private static float[] InferValues(U2Net model)
    {
        using var scope = NewDisposeScope();
        return Infer(model, Input()).data<float>().ToArray();
    }

    private static void HalveKernelsInPlace(U2Net model)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith("conv_s1.weight", StringComparison.Ordinal))
            {
                parameter.mul_(0.5);
            }
        }
    }
}
