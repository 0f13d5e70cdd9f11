using TorchSharp;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// A batch of augmented samples for a training step: images, per-image targets and the plans that made them.
/// <para>
/// Ownership: the batch owns every tensor in it and is not attached to any dispose scope (it may have been made on a
/// background thread, whose scopes are its own). Dispose it after the step, or call
/// <see cref="AttachToCurrentDisposeScope"/> so the scope around your step disposes it.
/// </para>
/// </summary>
public sealed class AugmentedBatch : IDisposable
{
    private readonly PasteBatch _batch;

    internal AugmentedBatch(PasteBatch batch, IReadOnlyList<SamplePlan> plans)
    {
        _batch = batch;
        Plans = plans;
    }

    /// <summary><c>uint8</c> <c>[B,3,H,W]</c> RGB images on the augmenter's device.</summary>
    public Tensor Images => _batch.Images;

    /// <summary>The objects of each image (B entries): masks, boxes, labels, areas and pasted flags of equal length.</summary>
    public IReadOnlyList<PasteTargets> Targets => _batch.Targets;

    /// <summary>The plan of each sample (B entries): log them to reproduce a sample with <see cref="XPasteAugmenter.Replay"/>.</summary>
    public IReadOnlyList<SamplePlan> Plans { get; }

    /// <summary>B, the number of samples.</summary>
    public int Count => Plans.Count;

    /// <summary>The images as <c>float32</c> in [0, 1], a new tensor the caller owns (in the current dispose scope).</summary>
    /// <returns><c>float32</c> <c>[B,3,H,W]</c>.</returns>
    public Tensor ImagesAsFloat() => Images.to(ScalarType.Float32).div_(255.0);

    /// <summary>Hands every tensor to the calling thread's current dispose scope (no-op when there is none).</summary>
    public void AttachToCurrentDisposeScope()
    {
        DisposeScope? scope = CurrentDisposeScope;
        if (scope is null)
        {
            return;
        }

        scope.Attach(Images);
        foreach (PasteTargets t in Targets)
        {
            scope.Attach(new IDisposable[] { t.Masks, t.Boxes, t.Labels, t.Areas, t.IsPasted });
        }
    }

    internal void DetachFromDisposeScope() => _batch.DetachFromDisposeScope();

    /// <inheritdoc />
    public void Dispose() => _batch.Dispose();
}
