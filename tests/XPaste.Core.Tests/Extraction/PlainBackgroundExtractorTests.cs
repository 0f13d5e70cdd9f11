using Xunit.Abstractions;
using XPaste.Extraction;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Extraction;

public sealed class PlainBackgroundExtractorTests(ITestOutputHelper output)
{
    /// <summary>The object scenes: what is pasted, on what background, and the IoU the raw mask must reach.</summary>
    public static TheoryData<string, double> Scenes => new()
    {
        { "black horse, light grey, noise 6", 0.965 },
        { "cat-textured horse, green gradient, noise 4", 0.975 },
        { "coins disc, flat off-white, noise 3", 0.985 },
        { "cat-textured horse touching the bottom, warm grey, noise 5", 0.955 },
    };

    [Theory]
    [MemberData(nameof(Scenes))]
    public Task Finds_objects_on_plain_backgrounds(string scene, double minimumIoU) => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        var (image, truth) = Compose(scene);

        var extractor = new PlainBackgroundExtractor();
        IReadOnlyList<Tensor> masks = extractor.Extract([image], TestCategories.Any(1));
        Tensor mask = masks[0];
        Assert.Equal(ScalarType.Byte, mask.dtype);
        Assert.Equal(new[] { image.shape[1], image.shape[2] }, mask.shape);

        double raw = IoU(mask.gt(128), truth);
        // After the reference's clean-up, compared with the same clean-up of the truth (the horse's tail encloses a
        // sliver of background that hole filling rightly adds).
        var processor = new InstancePostProcessor(new() { Alpha = CutoutAlpha.Opaque });
        double processed = IoU(Cleaned(processor, image, mask), Cleaned(processor, image, truth.to(ScalarType.Byte).mul(255)));
        output.WriteLine($"{scene}: IoU raw {raw:F4}, after post-processing {processed:F4}");

        Assert.True(raw >= minimumIoU, $"{scene}: raw IoU {raw:F4} < {minimumIoU}");
        Assert.True(processed >= minimumIoU, $"{scene}: post-processed IoU {processed:F4} < {minimumIoU}");
    });

    [Fact]
    public Task A_featureless_image_has_no_foreground() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        Tensor image = full(new long[] { 3, 60, 80 }, 128f).add(randn(new long[] { 3, 60, 80 }, generator: generator).mul(5)).clamp(0, 255).to(ScalarType.Byte);
        IReadOnlyList<Tensor> masks = new PlainBackgroundExtractor().Extract([image], TestCategories.Any(1));
        Assert.Equal(0, masks[0].gt(128).sum().item<long>());
    });

    [Fact]
    public Task A_strong_gradient_background_needs_the_gradient_model() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        // A grey ramp from 40 to 220 across the image with a dark red square in the middle.
        Tensor image = linspace(40, 220, 160).view(1, 1, 160).expand(3, 120, 160).clone();
        image.narrow(1, 30, 60).narrow(2, 50, 60).copy_(tensor(new float[] { 130, 40, 40 }).view(3, 1, 1).expand(3, 60, 60));
        Tensor bytes = image.round().to(ScalarType.Byte);
        Tensor truth = zeros(120, 160, ScalarType.Bool);
        truth.narrow(0, 30, 60).narrow(1, 50, 60).fill_(true);

        double gradient = IoU(new PlainBackgroundExtractor().Extract([bytes], TestCategories.Any(1))[0].gt(128), truth);
        double constant = IoU(new PlainBackgroundExtractor(new() { FitGradient = false }).Extract([bytes], TestCategories.Any(1))[0].gt(128), truth);
        output.WriteLine($"gradient model IoU {gradient:F4}, constant model IoU {constant:F4}");
        Assert.True(gradient > 0.98, $"gradient model IoU {gradient:F4}");
        Assert.True(constant < 0.5, $"constant model IoU {constant:F4}: the ramp should defeat it");
    });

    [Fact]
    public Task Cancellation_is_honoured_and_bad_images_are_named() => TensorThread.Run(async () =>
    {
        using var scope = NewDisposeScope();
        var extractor = new PlainBackgroundExtractor();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.ThrowsAny<OperationCanceledException>(() => extractor.Extract([zeros(3, 8, 8, ScalarType.Byte)], TestCategories.Any(1), cancelled.Token));
        var ex = Assert.Throws<ArgumentException>(() => extractor.Extract([zeros(3, 8, 8, ScalarType.Byte), zeros(8, 8, ScalarType.Byte)], TestCategories.Any(2)));
        Assert.Contains("image 1", ex.Message, StringComparison.Ordinal);
    });

    private static Tensor Cleaned(InstancePostProcessor processor, Tensor image, Tensor mask)
    {
        using CutoutOutcome cutout = processor.Process(image, mask);
        Assert.True(cutout.IsAccepted, cutout.Rejection.ToString());
        Tensor full = zeros(mask.shape, ScalarType.Bool);
        full.narrow(0, cutout.Y, cutout.Height).narrow(1, cutout.X, cutout.Width).copy_(cutout.Rgba![3].gt(128));
        return full;
    }

    private static double IoU(Tensor a, Tensor b)
    {
        long inter = a.logical_and(b).sum().item<long>();
        long union = a.logical_or(b).sum().item<long>();
        return union == 0 ? 1 : (double)inter / union;
    }

    /// <summary>Builds a scene: the object's pixels, its ground-truth mask, the background, noise; returns image and mask.</summary>
    internal static (Tensor Image, Tensor Truth) Compose(string scene)
    {
        var generator = new Generator((ulong)scene.Length * 7919);
        const long H = 400, W = 480;
        Tensor horse = ImageIO.Load(TestFiles.Data("images", "horse.png"), new ImageLoadOptions { Channels = ImageChannels.Rgba });
        Tensor cat = ImageIO.Load(TestFiles.Data("images", "chelsea.png"), new ImageLoadOptions { Channels = ImageChannels.Rgb });
        Tensor coins = ImageIO.Load(TestFiles.Data("images", "coins.png"), new ImageLoadOptions { Channels = ImageChannels.Rgb });

        // Object alpha (0..1, soft edges) and colour on the full canvas.
        Tensor alpha = zeros(1, H, W);
        Tensor colour = zeros(3, H, W);
        (Tensor shapeAlpha, Tensor fill, long top, long left) = scene switch
        {
            _ when scene.StartsWith("black horse", StringComparison.Ordinal) => (HorseAlpha(horse), zeros(3, 328, 400), 36L, 40L),
            _ when scene.StartsWith("cat-textured horse touching", StringComparison.Ordinal) => (HorseAlpha(horse), Texture(cat, 328, 400), H - 328 + 4, 50L),
            _ when scene.StartsWith("cat-textured horse", StringComparison.Ordinal) => (HorseAlpha(horse), Texture(cat, 328, 400), 30L, 45L),
            _ => (Disc(240), coins.narrow(1, 30, 240).narrow(2, 70, 240).to(ScalarType.Float32), 80L, 120L),
        };
        long fh = Math.Min(shapeAlpha.shape[1], H - top), fw = shapeAlpha.shape[2];
        alpha.narrow(1, top, fh).narrow(2, left, fw).copy_(shapeAlpha.narrow(1, 0, fh));
        colour.narrow(1, top, fh).narrow(2, left, fw).copy_(fill.narrow(1, 0, fh));

        Tensor background = scene switch
        {
            _ when scene.Contains("light grey", StringComparison.Ordinal) => Flat(200, 200, 200),
            _ when scene.Contains("green gradient", StringComparison.Ordinal) => Gradient([40, 150, 60], [80, 200, 100]),
            _ when scene.Contains("off-white", StringComparison.Ordinal) => Flat(235, 235, 228),
            _ => Flat(180, 170, 160),
        };
        float sigma = float.Parse(scene[(scene.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Tensor noisy = colour.mul(alpha).add(background.mul(alpha.neg().add(1)))
            .add(randn(new long[] { 3, H, W }, generator: generator).mul(sigma));
        Tensor image = noisy.round().clamp(0, 255).to(ScalarType.Byte);
        return (image, alpha[0].gt(0.5));

        static Tensor Flat(float r, float g, float b) => tensor(new[] { r, g, b }).view(3, 1, 1).expand(3, H, W);

        static Tensor Gradient(float[] from, float[] to)
        {
            Tensor t = linspace(0, 1, W).view(1, 1, W).mul(0.7).add(linspace(0, 1, H).view(1, H, 1).mul(0.3));
            Tensor a = tensor(from).view(3, 1, 1), b = tensor(to).view(3, 1, 1);
            return a.add(b.sub(a).mul(t));
        }
    }

    /// <summary>horse.png is a black silhouette on opaque white: its darkness is the object's alpha.</summary>
    private static Tensor HorseAlpha(Tensor horse) => horse.narrow(0, 0, 1).to(ScalarType.Float32).div(255).neg().add(1);

    private static Tensor Texture(Tensor photo, long h, long w) =>
        nn.functional.interpolate(photo.to(ScalarType.Float32).unsqueeze(0), new[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false)[0];

    private static Tensor Disc(long size)
    {
        Tensor c = arange(size, ScalarType.Float32).sub((size - 1) / 2.0);
        Tensor r = c.view(-1, 1).pow(2).add(c.view(1, -1).pow(2)).sqrt();
        return r.le(size / 2.0 - 1).to(ScalarType.Float32).unsqueeze(0);
    }
}
