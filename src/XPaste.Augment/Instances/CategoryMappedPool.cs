using XPaste.Coco;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// A pool whose instances carry dataset category ids: the inner pool's (bank's) ids mapped through a
/// <see cref="CategoryMapping"/> made by name. Pixels come from the inner pool, which this does not own.
/// </summary>
public sealed class CategoryMappedPool : IPasteInstancePool
{
    private readonly IPasteInstancePool _inner;
    private readonly PasteInstanceInfo[] _infos;
    private readonly Dictionary<int, int[]> _byCategory;
    private readonly int[] _categories;

    /// <summary>Maps <paramref name="inner"/>'s category ids with <paramref name="mapping"/>.</summary>
    /// <param name="inner">The pool with the source's ids (e.g. an <see cref="InstanceBankPool"/>); it must outlive this one.</param>
    /// <param name="mapping">Source id to dataset id, from <see cref="CategoryMapping.Create"/> over the same source.</param>
    /// <exception cref="ArgumentException">An instance's category is not in the mapping.</exception>
    public CategoryMappedPool(IPasteInstancePool inner, CategoryMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(mapping);
        _inner = inner;
        Mapping = mapping;
        _infos = [.. inner.Instances.Select(i => i with { CategoryId = mapping.Map(i.CategoryId) })];
        _byCategory = _infos
            .Select((info, index) => (info.CategoryId, index))
            .GroupBy(p => p.CategoryId)
            .ToDictionary(g => g.Key, g => g.Select(p => p.index).ToArray());
        _categories = [.. _byCategory.Keys.Order()];
    }

    /// <summary>The mapping applied.</summary>
    public CategoryMapping Mapping { get; }

    /// <inheritdoc />
    public IReadOnlyList<PasteInstanceInfo> Instances => _infos;

    /// <inheritdoc />
    public IReadOnlyList<int> Categories => _categories;

    /// <inheritdoc />
    public IReadOnlyList<int> InstancesOf(int categoryId) => _byCategory.TryGetValue(categoryId, out int[]? members) ? members : [];

    /// <inheritdoc />
    public Tensor Load(int index) => _inner.Load(index);
}
