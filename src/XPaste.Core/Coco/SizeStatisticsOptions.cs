namespace XPaste.Coco;

/// <summary>Options for <see cref="CategorySizeStatistics.Compute"/>. The defaults reproduce the X-Paste reference.</summary>
public sealed class SizeStatisticsOptions
{
    /// <summary>The defaults.</summary>
    public static SizeStatisticsOptions Default { get; } = new();

    /// <summary>
    /// Whether crowd annotations (<c>iscrowd</c> = 1) count. Default true: the reference takes every annotation of the
    /// file (it ran on LVIS, which has no crowd annotations; for COCO files set false to leave crowd regions out).
    /// </summary>
    public bool IncludeCrowd { get; init; } = true;

    /// <summary>
    /// Use the sample standard deviation (divide by <c>n - 1</c>) instead of the population one (divide by <c>n</c>).
    /// Default false: the reference uses numpy's <c>np.std</c>, which is the population standard deviation; a
    /// category with a single annotation then has <c>Std = 0</c> (with the sample form its Std is 0 as well, not NaN).
    /// </summary>
    public bool SampleStd { get; init; }
}
