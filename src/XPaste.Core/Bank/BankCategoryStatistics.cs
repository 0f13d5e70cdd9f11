namespace XPaste.Bank;

/// <summary>One category's row of <see cref="BankStatistics"/>.</summary>
/// <param name="Id">The category id.</param>
/// <param name="Name">The category name.</param>
/// <param name="Instances">Its instances.</param>
/// <param name="MedianWidth">Median instance width in pixels (upper median).</param>
/// <param name="MedianHeight">Median instance height in pixels (upper median).</param>
/// <param name="MinSide">The smallest side of any of its instances.</param>
/// <param name="MaxSide">The largest side of any of its instances.</param>
/// <param name="MeanClipScore">Mean CLIP score over the instances that have one, rounded to 3 decimals; null when none has.</param>
public sealed record BankCategoryStatistics(int Id, string Name, int Instances, int MedianWidth, int MedianHeight, int MinSide, int MaxSide, double? MeanClipScore);
