using static TorchSharp.torch;

namespace XPaste.Abstractions;

/// <summary>
/// One candidate object image from an <see cref="IInstanceSource"/>: a generated or crawled image of one
/// category (no mask yet), or an object already cut out of an annotated dataset (mask given). Owns its tensors.
/// </summary>
public sealed class SourceImage : IDisposable
{
    /// <summary>Creates a source image; ownership of the tensors passes to it (they leave any dispose scope).</summary>
    /// <param name="id">A stable id, unique within the source (used to resume interrupted runs).</param>
    /// <param name="category">The category the image is supposed to show.</param>
    /// <param name="image"><c>uint8</c> <c>[3,H,W]</c> RGB (or <c>[4,H,W]</c> RGBA) pixels.</param>
    /// <param name="mask">Optional <c>uint8</c> <c>[H,W]</c> foreground mask, 0-255; null when an extractor must find the object.</param>
    /// <param name="origin">Where the pixels came from (a file path, or dataset file and annotation id).</param>
    public SourceImage(string id, CategoryInfo category, Tensor image, Tensor? mask, string origin)
    {
        ArgumentNullException.ThrowIfNull(image);
        Id = id;
        Category = category;
        // Owned here and disposed by Dispose: out of any dispose scope, which could otherwise free them while the
        // image travels through async code (dispose scopes are per thread).
        Image = image.DetachFromDisposeScope();
        Mask = mask?.DetachFromDisposeScope();
        Origin = origin;
    }

    /// <summary>A stable id, unique within the source.</summary>
    public string Id { get; }

    /// <summary>The category the image is supposed to show.</summary>
    public CategoryInfo Category { get; }

    /// <summary><c>uint8</c> <c>[C,H,W]</c> pixels, C = 3 or 4.</summary>
    public Tensor Image { get; }

    /// <summary><c>uint8</c> <c>[H,W]</c> 0-255 foreground mask, or null.</summary>
    public Tensor? Mask { get; }

    /// <summary>Where the pixels came from.</summary>
    public string Origin { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Image.Dispose();
        Mask?.Dispose();
    }
}
