using System.Globalization;
using static TorchSharp.torch;

namespace XPaste.Coco;

/// <summary>
/// Contiguous class indices for a model's output layer, from dataset category ids and back. Labels in batches and
/// annotation files are category ids: LVIS numbers 1..1203, COCO's 80 classes use ids 1..90 with gaps, and ids added
/// for a bank's categories (<see cref="MissingCategoryHandling.Add"/>, <c>xpaste augment --add-categories</c>) follow
/// the dataset's highest. Categories get indices <see cref="FirstIndex"/>, <see cref="FirstIndex"/> + 1, ... in
/// ascending id order (as detectron2 and mmdetection number COCO's classes); a <see cref="FirstIndex"/> of 1 leaves 0
/// for the background.
/// </summary>
public sealed class ClassIndexMap
{
    private readonly Dictionary<int, int> _indexOf;
    private readonly CocoCategory[] _categories;
    private readonly long[] _lookup; // category id -> index, -1 for ids that are not categories

    private ClassIndexMap(CocoCategory[] categories, int firstIndex)
    {
        _categories = categories;
        FirstIndex = firstIndex;
        _indexOf = new Dictionary<int, int>(categories.Length);
        int maxId = categories.Length == 0 ? 0 : categories.Max(c => c.Id);
        _lookup = new long[maxId + 1];
        Array.Fill(_lookup, -1L);
        for (int i = 0; i < categories.Length; i++)
        {
            _indexOf[categories[i].Id] = firstIndex + i;
            _lookup[categories[i].Id] = firstIndex + i;
        }
    }

    /// <summary>The categories in index order: <c>Categories[i]</c> has index <see cref="FirstIndex"/> + i.</summary>
    public IReadOnlyList<CocoCategory> Categories => _categories;

    /// <summary>The index of the first category (0, or 1 where 0 is the background).</summary>
    public int FirstIndex { get; }

    /// <summary>The number of categories.</summary>
    public int Count => _categories.Length;

    /// <summary>The size of a class dimension that holds every index: <see cref="FirstIndex"/> + <see cref="Count"/>.</summary>
    public int NumClasses => FirstIndex + _categories.Length;

    /// <summary>A map over <paramref name="categories"/>, e.g. <see cref="CategoryMapping.Categories"/> (the dataset's and the added ones).</summary>
    /// <param name="categories">The categories; ids must be positive and distinct.</param>
    /// <param name="firstIndex">The first category's index: 0, or 1 to keep 0 for the background.</param>
    /// <returns>The map.</returns>
    /// <exception cref="ArgumentException">An id is not positive or appears twice, or <paramref name="firstIndex"/> is negative.</exception>
    public static ClassIndexMap Create(IEnumerable<CocoCategory> categories, int firstIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        CocoCategory[] sorted = [.. categories.OrderBy(c => c.Id)];
        foreach (CocoCategory category in sorted)
        {
            if (category.Id <= 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"category '{category.Name}' has id {category.Id}; ids are positive"), nameof(categories));
            }
        }

        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Id == sorted[i - 1].Id)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"category id {sorted[i].Id} appears twice"), nameof(categories));
            }
        }

        return new ClassIndexMap(sorted, firstIndex);
    }

    /// <summary>A map over a dataset's categories plus those a mapping added for a bank (<see cref="CategoryMapping.Added"/>).</summary>
    /// <param name="dataset">The dataset the batches come from.</param>
    /// <param name="mapping">The bank-to-dataset mapping, when the bank's categories were matched (and perhaps added) by name.</param>
    /// <param name="firstIndex">The first category's index: 0, or 1 to keep 0 for the background.</param>
    /// <returns>The map.</returns>
    public static ClassIndexMap Create(CocoDataset dataset, CategoryMapping? mapping = null, int firstIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Create(mapping is null ? dataset.Categories : dataset.Categories.Concat(mapping.Added), firstIndex);
    }

    /// <summary>Whether <paramref name="categoryId"/> is one of the categories.</summary>
    /// <param name="categoryId">A category id.</param>
    /// <returns>True when the map has it.</returns>
    public bool Contains(int categoryId) => _indexOf.ContainsKey(categoryId);

    /// <summary>The class index of a category id.</summary>
    /// <param name="categoryId">A category id.</param>
    /// <returns>Its index.</returns>
    /// <exception cref="ArgumentException">The id is not one of the categories.</exception>
    public int ToIndex(int categoryId) => _indexOf.TryGetValue(categoryId, out int index)
        ? index
        : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"category id {categoryId} is not one of the {Count} categories"), nameof(categoryId));

    /// <summary>The category id of a class index.</summary>
    /// <param name="index">A class index in [<see cref="FirstIndex"/>, <see cref="NumClasses"/>).</param>
    /// <returns>Its category id.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside that range.</exception>
    public int ToCategoryId(int index) => index >= FirstIndex && index < NumClasses
        ? _categories[index - FirstIndex].Id
        : throw new ArgumentOutOfRangeException(nameof(index), index, string.Create(CultureInfo.InvariantCulture, $"class indices are {FirstIndex}..{NumClasses - 1}"));

    /// <summary>Class indices for a tensor of category ids (e.g. <c>PasteTargets.Labels</c>), on its device.</summary>
    /// <param name="labels">Integer category ids, any shape.</param>
    /// <returns><c>int64</c> indices of the same shape.</returns>
    /// <exception cref="ArgumentException">A label is not one of the categories.</exception>
    public Tensor ToIndices(Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        Tensor ids = labels.to(ScalarType.Int64);
        Tensor known = ids.ge(0).logical_and_(ids.lt(_lookup.Length));
        Tensor lookup = tensor(_lookup, device: labels.device);
        Tensor indices = lookup.index(ids.clamp(0, _lookup.Length - 1));
        Tensor bad = known.logical_not().logical_or_(indices.lt(0));
        if (bad.any().item<bool>())
        {
            long first = ids.masked_select(bad)[0].item<long>();
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"label {first} is not one of the {Count} categories"), nameof(labels));
        }

        return indices.MoveToOuterDisposeScope();
    }

    /// <summary>Category ids for a tensor of class indices (e.g. a model's argmax), on its device.</summary>
    /// <param name="indices">Integer class indices in [<see cref="FirstIndex"/>, <see cref="NumClasses"/>), any shape.</param>
    /// <returns><c>int64</c> category ids of the same shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside that range.</exception>
    public Tensor ToCategoryIds(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        using var scope = NewDisposeScope();
        Tensor shifted = indices.to(ScalarType.Int64) - FirstIndex;
        if (shifted.numel() > 0 && (shifted.min().item<long>() < 0 || shifted.max().item<long>() >= Count))
        {
            throw new ArgumentOutOfRangeException(nameof(indices), string.Create(CultureInfo.InvariantCulture, $"class indices are {FirstIndex}..{NumClasses - 1}"));
        }

        Tensor ids = tensor(_categories.Select(c => (long)c.Id).ToArray(), device: indices.device);
        return ids.index(shifted).MoveToOuterDisposeScope();
    }
}
