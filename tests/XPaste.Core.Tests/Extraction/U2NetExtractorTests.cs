using XPaste.Extraction;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class U2NetExtractorTests
{
    private static U2NetExtractor Load(U2NetExtractorOptions? options = null) =>
        U2NetExtractor.FromPretrained(TestFiles.Data("u2netp", "model.safetensors"), options);

    private static Tensor RandomImage(long h, long w, ulong seed) =>
        randint(0, 256, new long[] { 3, h, w }, generator: new Generator(seed)).to(ScalarType.Byte);

    [Fact]
    public void Input_is_the_resized_image_in_ImageNet_normalisation()
    {
        using var scope = NewDisposeScope();
        using U2NetExtractor extractor = Load(new() { InputSize = 16 });
        // A flat colour survives any bilinear resize exactly, so the expected input is known.
        Tensor image = tensor(new byte[] { 200, 100, 50 }).view(3, 1, 1).expand(3, 40, 30).contiguous();
        Tensor input = extractor.Preprocess([image]);
        Assert.Equal(new long[] { 1, 3, 16, 16 }, input.shape);
        float[] expected = [(200 / 255f - 0.485f) / 0.229f, (100 / 255f - 0.456f) / 0.224f, (50 / 255f - 0.406f) / 0.225f];
        for (int c = 0; c < 3; c++)
        {
            Assert.True(input[0, c].sub(expected[c]).abs().max().item<float>() < 1e-5f, $"channel {c}");
        }

        // The U^2-Net demo's variant divides by the image maximum (200/255) first.
        using U2NetExtractor demo = Load(new() { InputSize = 16, DivideByMax = true });
        Tensor demoInput = demo.Preprocess([image]);
        Assert.True(demoInput[0, 0].sub((1f - 0.485f) / 0.229f).abs().max().item<float>() < 1e-5f);
        Assert.True(demoInput[0, 2].sub((50 / 200f - 0.406f) / 0.225f).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public Task Masks_are_d1_at_full_size_renormalised_and_truncated_to_bytes() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        using U2NetExtractor extractor = Load(new() { InputSize = 32 });
        Tensor image = RandomImage(32, 32, 3);
        Tensor mask = extractor.Extract([image], TestCategories.Any(1))[0];

        // At the network's own size the resizes are identities, so the mask is the reference's formula on d1.
        using var model = XPaste.Extraction.U2Net.FromPretrained(TestFiles.Data("u2netp", "model.pth"));
        Tensor d1;
        using (inference_mode())
        {
            d1 = model.call(extractor.Preprocess([image]))[1][0, 0];
        }

        Tensor expected = d1.sub(d1.min()).div(d1.max().sub(d1.min())).mul(255).to(ScalarType.Byte);
        Assert.Equal(ScalarType.Byte, mask.dtype);
        Assert.True(mask.Equals(expected));
        Assert.Equal(0, mask.min().item<byte>());
        Assert.Equal(255, mask.max().item<byte>());

        using U2NetExtractor plain = Load(new() { InputSize = 32, Renormalize = false, SideOutput = 0 });
        Tensor d0Mask = plain.Extract([image], TestCategories.Any(1))[0];
        Tensor d0;
        using (inference_mode())
        {
            d0 = model.call(extractor.Preprocess([image]))[0][0, 0];
        }

        Assert.True(d0Mask.Equals(d0.mul(255).to(ScalarType.Byte)));
    });

    [Fact]
    public Task Batches_give_the_same_masks_as_single_images_at_each_image_size() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        Tensor[] images = [RandomImage(40, 52, 1), RandomImage(23, 31, 2), RandomImage(64, 48, 3)];
        using U2NetExtractor batched = Load(new() { InputSize = 48, BatchSize = 3 });
        using U2NetExtractor single = Load(new() { InputSize = 48, BatchSize = 1 });
        IReadOnlyList<Tensor> a = batched.Extract(images, TestCategories.Any(images.Length));
        IReadOnlyList<Tensor> b = single.Extract(images, TestCategories.Any(images.Length));
        Assert.Equal("u2netp", batched.Name);
        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(new[] { images[i].shape[1], images[i].shape[2] }, a[i].shape);
            // Eval-mode batch norm makes images independent; float summation order may move a value by one step.
            Assert.True(a[i].to(ScalarType.Int32).sub(b[i].to(ScalarType.Int32)).abs().max().item<int>() <= 1, $"image {i}");
        }
    });

    [Fact]
    public Task Cancellation_stops_between_batches() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        using U2NetExtractor extractor = Load(new() { InputSize = 16, BatchSize = 1 });
        using var cancelled = new CancellationTokenSource();
        var done = new List<int>();
        extractor.BatchCompleted = n =>
        {
            done.Add(n);
            cancelled.Cancel(); // after the first batch, before the second
        };
        Assert.ThrowsAny<OperationCanceledException>(() =>
            extractor.Extract([RandomImage(8, 8, 1), RandomImage(8, 8, 2), RandomImage(8, 8, 3)], TestCategories.Any(3), cancelled.Token));
        Assert.Equal([1], done);
        var invalid = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Load(new() { SideOutput = 7 }));
        Assert.Contains("SideOutput", Assert.Single(invalid.Failures), StringComparison.Ordinal);
    });
}
