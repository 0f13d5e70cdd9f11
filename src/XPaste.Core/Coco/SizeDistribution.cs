namespace XPaste.Coco;

/// <summary>
/// The distribution of an object's relative size <c>s = sqrt(box area / image area)</c>: the paste engine draws
/// <c>s ~ N(Mean, Std)</c> for a pasted instance of the category (reference §4).
/// </summary>
/// <param name="Mean">Mean of <c>s</c>.</param>
/// <param name="Std">Standard deviation of <c>s</c> (population or sample, see <see cref="SizeStatisticsOptions.SampleStd"/>).</param>
/// <param name="Count">How many annotations it was computed from (0 when read from a file that does not say).</param>
public readonly record struct SizeDistribution(double Mean, double Std, long Count);
