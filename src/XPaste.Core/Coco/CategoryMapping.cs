using System.Globalization;
using XPaste.Abstractions;

namespace XPaste.Coco;

/// <summary>
/// Matches the categories of an instance source (a bank, a folder tree) to a dataset's categories <b>by name</b> and
/// maps ids: a bank numbered 1, 2, ... by folder name and a dataset with other ids (COCO, LVIS) get the right labels.
/// Names compare case-insensitively with <c>_</c>, <c>-</c> and runs of spaces as one space (<c>traffic_light</c> =
/// <c>Traffic light</c>); a dataset category matches by its <c>name</c> first, then by its LVIS <c>synonyms</c>.
/// Categories of the source that the dataset lacks are refused, with the list, or added to the output's categories
/// (<see cref="MissingCategoryHandling.Add"/>), so the output's <c>categories</c> always holds every label it uses.
/// </summary>
public sealed class CategoryMapping
{
    private readonly Dictionary<int, int> _toDataset;

    private CategoryMapping(Dictionary<int, int> toDataset, IReadOnlyList<CocoCategory> categories, IReadOnlyList<CocoCategory> added)
    {
        _toDataset = toDataset;
        Categories = categories;
        Added = added;
    }

    /// <summary>Source category id to dataset (output) category id, for every source category.</summary>
    public IReadOnlyDictionary<int, int> SourceToDataset => _toDataset;

    /// <summary>The output's categories: the dataset's, then the added ones, by ascending id.</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>The categories added for source categories the dataset lacks (empty unless <see cref="MissingCategoryHandling.Add"/>).</summary>
    public IReadOnlyList<CocoCategory> Added { get; }

    /// <summary>Whether every source id maps to itself and nothing was added.</summary>
    public bool IsIdentity => Added.Count == 0 && _toDataset.All(p => p.Key == p.Value);

    /// <summary>The dataset id of a source category.</summary>
    /// <param name="sourceId">A source category id.</param>
    /// <returns>Its dataset (output) id.</returns>
    /// <exception cref="ArgumentException">The id is not one of the source's categories.</exception>
    public int Map(int sourceId) => _toDataset.TryGetValue(sourceId, out int id)
        ? id
        : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"category {sourceId} is not a category of the source"), nameof(sourceId));

    /// <summary>The name form categories are compared in: lower case, <c>_</c> and <c>-</c> as spaces, single spaces.</summary>
    /// <param name="name">A category name.</param>
    /// <returns>The normalised name.</returns>
    public static string NormalizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string spaced = name.Replace('_', ' ').Replace('-', ' ').Trim().ToLowerInvariant();
        return string.Join(' ', spaced.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Matches <paramref name="source"/> categories to <paramref name="dataset"/> categories by name.</summary>
    /// <param name="source">The source's categories (e.g. <c>InstanceBank.Categories</c>).</param>
    /// <param name="sourceName">The source as the user named it (a bank folder), for messages.</param>
    /// <param name="dataset">The dataset's categories (<see cref="CocoDataset.Categories"/>).</param>
    /// <param name="datasetName">The dataset as the user named it (its file), for messages.</param>
    /// <param name="options">Matching options; defaults (refuse missing, synonyms on) when null.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="CategoryMismatchException">Source categories the dataset lacks (with <see cref="MissingCategoryHandling.Refuse"/>), or a name that matches several dataset categories.</exception>
    public static CategoryMapping Create(IReadOnlyList<CategoryInfo> source, string sourceName,
        IReadOnlyList<CocoCategory> dataset, string datasetName, CategoryMappingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new CategoryMappingOptions();
        var byName = new Dictionary<string, List<CocoCategory>>(StringComparer.Ordinal);
        var bySynonym = new Dictionary<string, List<CocoCategory>>(StringComparer.Ordinal);
        foreach (CocoCategory category in dataset)
        {
            Add(byName, NormalizeName(category.Name), category);
            if (options.MatchSynonyms)
            {
                foreach (string synonym in category.Synonyms ?? [])
                {
                    Add(bySynonym, NormalizeName(synonym), category);
                }
            }
        }

        var map = new Dictionary<int, int>();
        var missing = new List<CategoryInfo>();
        var ambiguous = new List<string>();
        foreach (CategoryInfo category in source.OrderBy(c => c.Id))
        {
            string key = NormalizeName(category.Name);
            List<CocoCategory>? matches = byName.GetValueOrDefault(key) ?? bySynonym.GetValueOrDefault(key);
            List<CocoCategory> distinct = matches is null ? [] : [.. matches.DistinctBy(c => c.Id)];
            if (distinct.Count == 1)
            {
                map[category.Id] = distinct[0].Id;
            }
            else if (distinct.Count == 0)
            {
                missing.Add(category);
            }
            else
            {
                ambiguous.Add($"'{category.Name}' matches {string.Join(", ", distinct.Select(c => $"{c.Id} {c.Name}"))}");
            }
        }

        if (ambiguous.Count > 0)
        {
            throw new CategoryMismatchException(sourceName, $"categories match several categories of {datasetName}: {string.Join("; ", ambiguous)}", []);
        }

        var added = new List<CocoCategory>();
        if (missing.Count > 0)
        {
            if (options.Missing == MissingCategoryHandling.Refuse)
            {
                throw new CategoryMismatchException(sourceName,
                    $"{missing.Count} {(missing.Count == 1 ? "category is" : "categories are")} not in {datasetName}: "
                    + $"{string.Join(", ", missing.Select(c => c.Name))} (its categories: {string.Join(", ", dataset.Select(c => c.Name))}); "
                    + "add them to the dataset's categories, or let them be added to the output's categories",
                    [.. missing.Select(c => c.Name)]);
            }

            int next = dataset.Count == 0 ? 1 : dataset.Max(c => c.Id) + 1;
            foreach (CategoryInfo category in missing)
            {
                var created = new CocoCategory { Id = next++, Name = category.Name, Supercategory = "added" };
                added.Add(created);
                map[category.Id] = created.Id;
            }
        }

        return new CategoryMapping(map, [.. dataset.Concat(added).OrderBy(c => c.Id)], added);
    }

    private static void Add(Dictionary<string, List<CocoCategory>> index, string key, CocoCategory category)
    {
        if (!index.TryGetValue(key, out List<CocoCategory>? list))
        {
            index[key] = list = [];
        }

        list.Add(category);
    }
}
