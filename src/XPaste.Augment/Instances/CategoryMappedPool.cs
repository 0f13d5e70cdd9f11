using XPaste.Bank;
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

    /// <summary>
    /// Labels a bank's instances with a destination dataset's category ids, matched by name (LVIS synonyms too), as
    /// <c>xpaste augment</c> and <see cref="XPastePipelineBuilder.Build"/> do: never by number.
    /// </summary>
    /// <param name="pool">The pool over <paramref name="bank"/>; it must outlive the result.</param>
    /// <param name="bank">The bank whose category names are matched.</param>
    /// <param name="dataset">The destination dataset.</param>
    /// <param name="options">What to do with categories the dataset lacks; refused (with their names) when null.</param>
    /// <returns>The pool to paste from (<paramref name="pool"/> itself when every id already matches) and the mapping.</returns>
    /// <exception cref="CategoryMismatchException">Bank categories the dataset lacks, named, or a name that matches several dataset categories.</exception>
    public static (IPasteInstancePool Pool, CategoryMapping Mapping) ForDataset(IPasteInstancePool pool, InstanceBankReader bank, CocoDataset dataset,
        CategoryMappingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(dataset);
        CategoryMapping mapping = CategoryMapping.Create(bank.Categories, bank.Folder, dataset.Categories, dataset.SourceName, options);
        return (mapping.IsIdentity ? pool : new CategoryMappedPool(pool, mapping), mapping);
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
