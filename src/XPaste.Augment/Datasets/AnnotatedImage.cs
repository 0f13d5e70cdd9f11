using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>An image with its object masks and labels. Owns its tensors.</summary>
public sealed class AnnotatedImage : IDisposable
{
    /// <summary>Creates an annotated image; ownership of the tensors passes to it.</summary>
    /// <param name="id">The image's id.</param>
    /// <param name="image"><c>uint8</c> <c>[3,H,W]</c> RGB.</param>
    /// <param name="masks"><c>bool</c> <c>[N,H,W]</c> object masks (any dtype is converted: non-zero is set).</param>
    /// <param name="labels">The N category ids.</param>
    /// <param name="isPasted">Optional N flags (objects pasted by an earlier augmentation); all false when null.</param>
    public AnnotatedImage(string id, Tensor image, Tensor masks, IReadOnlyList<long> labels, IReadOnlyList<bool>? isPasted = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(labels);
        if (image.dim() != 3 || image.shape[0] != 3 || image.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"{id}: expected a uint8 [3,H,W] image, got {image.dtype} [{string.Join(",", image.shape)}]", nameof(image));
        }

        if (masks.dim() != 3 || masks.shape[1] != image.shape[1] || masks.shape[2] != image.shape[2])
        {
            throw new ArgumentException($"{id}: expected [N,{image.shape[1]},{image.shape[2]}] masks, got [{string.Join(",", masks.shape)}]", nameof(masks));
        }

        if (masks.shape[0] != labels.Count || (isPasted is not null && isPasted.Count != labels.Count))
        {
            throw new ArgumentException($"{id}: {masks.shape[0]} masks but {labels.Count} labels{(isPasted is null ? "" : $" and {isPasted.Count} flags")}", nameof(labels));
        }

        Id = id;
        Image = image;
        if (masks.dtype == ScalarType.Bool)
        {
            Masks = masks;
        }
        else
        {
            Masks = masks.ne(0);
            masks.Dispose();
        }

        Labels = labels;
        IsPasted = isPasted ?? new bool[labels.Count];
    }

    /// <summary>The image's id.</summary>
    public string Id { get; }

    /// <summary><c>uint8</c> <c>[3,H,W]</c> RGB.</summary>
    public Tensor Image { get; }

    /// <summary><c>bool</c> <c>[N,H,W]</c> object masks.</summary>
    public Tensor Masks { get; }

    /// <summary>The N category ids.</summary>
    public IReadOnlyList<long> Labels { get; }

    /// <summary>The N pasted flags.</summary>
    public IReadOnlyList<bool> IsPasted { get; }

    /// <summary>Width in pixels.</summary>
    public int Width => (int)Image.shape[2];

    /// <summary>Height in pixels.</summary>
    public int Height => (int)Image.shape[1];

    /// <inheritdoc />
    public void Dispose()
    {
        Image.Dispose();
        Masks.Dispose();
    }
}
