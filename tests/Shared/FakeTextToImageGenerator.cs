using XPaste.Generation;
using static TorchSharp.torch;

namespace XPaste.Tests;

/// <summary>
/// A deterministic stand-in for Stable Diffusion: seed <c>s</c> gives a coloured ellipse at a seed-dependent place on
/// a near-white background (so the weight-free extractor finds it), whatever the batch. Counts the images it makes.
/// </summary>
internal sealed class FakeTextToImageGenerator(int width = 48, int height = 40, string model = "fake") : ITextToImageGenerator, IDisposable
{
    private int _made;

    /// <summary>True once disposed (an owner released it).</summary>
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;

    public int Width => width;

    public int Height => height;

    public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["model"] = model, ["steps"] = "3" };

    /// <summary>Images made so far.</summary>
    public int Made => _made;

    /// <summary>Calls made so far, with their sizes.</summary>
    public List<int> Batches { get; } = [];

    /// <summary>Cancels this token source after this many images (for interruption tests).</summary>
    public (int After, CancellationTokenSource Source)? CancelAfter { get; set; }

    public Tensor Generate(string prompt, int count, long firstSeed, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Batches.Add(count);
        var images = new List<Tensor>();
        using (NewDisposeScope())
        {
            for (int i = 0; i < count; i++)
            {
                images.Add(One(prompt, firstSeed + i).MoveToOuterDisposeScope());
            }
        }

        Interlocked.Add(ref _made, count);
        if (CancelAfter is { } cancel && _made >= cancel.After)
        {
            cancel.Source.Cancel();
        }

        Tensor result = stack(images);
        foreach (Tensor image in images)
        {
            image.Dispose();
        }

        return result;
    }

    private Tensor One(string prompt, long seed)
    {
        var random = new Random((int)(seed % int.MaxValue) ^ prompt.Length);
        double cx = width * (0.35 + 0.3 * random.NextDouble()), cy = height * (0.35 + 0.3 * random.NextDouble());
        double rx = width * (0.15 + 0.1 * random.NextDouble()), ry = height * (0.15 + 0.1 * random.NextDouble());
        Tensor y = arange(height, dtype: ScalarType.Float32).view(-1, 1);
        Tensor x = arange(width, dtype: ScalarType.Float32).view(1, -1);
        Tensor inside = ((x - cx) / rx).square() + ((y - cy) / ry).square() <= 1;
        Tensor colour = tensor(new float[] { random.Next(20, 120), random.Next(20, 200), random.Next(60, 160) }).view(3, 1, 1);
        Tensor background = full(3, height, width, 250f);
        return where(inside.unsqueeze(0), colour.expand(3, height, width), background).to(ScalarType.Byte);
    }
}
