using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// The cut-out objects a paste policy draws from (the instance bank, or any in-memory set). Policies read only the
/// metadata; pixels are loaded when a plan is executed.
/// </summary>
public interface IPasteInstancePool
{
    /// <summary>Every instance, in a stable order; a plan refers to an instance by its index here and its id.</summary>
    IReadOnlyList<PasteInstanceInfo> Instances { get; }

    /// <summary>The categories that have at least one instance, ascending.</summary>
    IReadOnlyList<int> Categories { get; }

    /// <summary>The indices (into <see cref="Instances"/>) of one category's instances, ascending.</summary>
    /// <param name="categoryId">A category id.</param>
    /// <returns>The indices; empty when the category has none.</returns>
    IReadOnlyList<int> InstancesOf(int categoryId);

    /// <summary>Loads one instance's pixels.</summary>
    /// <param name="index">The index into <see cref="Instances"/>.</param>
    /// <returns>A new <c>uint8</c> <c>[4,h,w]</c> RGBA tensor on the CPU, h and w as in <see cref="PasteInstanceInfo"/>; the caller
    /// owns it. Made like any TorchSharp result, so attached to the caller's current dispose scope when there is one; never
    /// a tensor the pool keeps (the caller may modify or dispose it).</returns>
    Tensor Load(int index);
}
