using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>Annotated images held in memory (tests, small datasets). Owns the images added to it.</summary>
public sealed class InMemoryImageSource : IAnnotatedImageSource, IDisposable
{
    private readonly List<AnnotatedImage> _images = [];
    private readonly List<AnnotatedImageInfo> _infos = [];

    /// <inheritdoc />
    public IReadOnlyList<AnnotatedImageInfo> Images => _infos;

    /// <summary>Adds an image; the source takes ownership of it.</summary>
    /// <param name="image">The image with its objects (on any device; kept as given).</param>
    /// <returns>Its index.</returns>
    public int Add(AnnotatedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        image.Image.DetachFromDisposeScope();
        image.Masks.DetachFromDisposeScope();
        _images.Add(image);
        _infos.Add(new AnnotatedImageInfo(image.Id, image.Width, image.Height, image.Labels.Count));
        return _images.Count - 1;
    }

    /// <inheritdoc />
    public AnnotatedImage Load(int index)
    {
        AnnotatedImage source = _images[index];
        return new AnnotatedImage(source.Id, source.Image.clone(), source.Masks.clone(), source.Labels, source.IsPasted);
    }

    /// <summary>Releases the images.</summary>
    public void Dispose()
    {
        foreach (AnnotatedImage image in _images)
        {
            image.Dispose();
        }

        _images.Clear();
    }
}
