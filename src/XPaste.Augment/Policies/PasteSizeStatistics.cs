namespace XPaste.Augment;

/// <summary>A normal distribution of an object's relative size <c>sqrt(box area / image area)</c>.</summary>
/// <param name="Mean">Mean relative size.</param>
/// <param name="Std">Standard deviation.</param>
public readonly record struct SizeDistribution(double Mean, double Std);

/// <summary>
/// How large objects of each category are in the dataset (the reference's <c>area_mean_std</c>): the X-Paste policy
/// draws a pasted instance's size from its category's distribution, or from <see cref="Global"/> for a category
/// without statistics.
/// </summary>
public sealed class PasteSizeStatistics
{
    /// <summary>Creates the statistics.</summary>
    /// <param name="perCategory">Distribution per category id.</param>
    /// <param name="global">The distribution over all objects, for categories missing from <paramref name="perCategory"/>.</param>
    public PasteSizeStatistics(IReadOnlyDictionary<int, SizeDistribution> perCategory, SizeDistribution global)
    {
        ArgumentNullException.ThrowIfNull(perCategory);
        PerCategory = perCategory;
        Global = global;
    }

    /// <summary>Distribution per category id.</summary>
    public IReadOnlyDictionary<int, SizeDistribution> PerCategory { get; }

    /// <summary>The fallback distribution.</summary>
    public SizeDistribution Global { get; }

    /// <summary>The distribution for a category.</summary>
    /// <param name="categoryId">The category id.</param>
    /// <returns>Its own distribution, or <see cref="Global"/>.</returns>
    public SizeDistribution For(int categoryId) => PerCategory.TryGetValue(categoryId, out SizeDistribution d) ? d : Global;
}
