using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>What the paste kernel returns for a batch: the images and, per image, its objects. Owns its tensors.</summary>
public sealed class PasteBatch : IDisposable
{
    internal PasteBatch(Tensor images, IReadOnlyList<PasteTargets> targets)
    {
        Images = images;
        Targets = targets;
    }

    /// <summary><c>uint8</c> <c>[B,3,H,W]</c> RGB images.</summary>
    public Tensor Images { get; }

    /// <summary>The objects of each image, B entries.</summary>
    public IReadOnlyList<PasteTargets> Targets { get; }

    /// <summary>Moves every tensor out of the current dispose scope (for handing them to another thread).</summary>
    internal void DetachFromDisposeScope()
    {
        Images.DetachFromDisposeScope();
        foreach (PasteTargets t in Targets)
        {
            t.DetachFromDisposeScope();
        }
    }

    /// <summary>Moves every tensor to the enclosing dispose scope.</summary>
    internal void MoveToOuterDisposeScope()
    {
        Images.MoveToOuterDisposeScope();
        foreach (PasteTargets t in Targets)
        {
            t.MoveToOuterDisposeScope();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        foreach (PasteTargets t in Targets)
        {
            t.Dispose();
        }
    }
}
