namespace XPaste.Weights;

/// <summary>Thrown when a checkpoint's tensors do not fit the module built from its configuration.</summary>
public sealed class WeightsMismatchException : InvalidWeightsException
{
    /// <summary>Creates the exception from a load report.</summary>
    /// <param name="report">The report listing what does not fit.</param>
    public WeightsMismatchException(WeightLoadReport report)
        : base(report?.Source ?? "checkpoint", "the checkpoint does not fit the model: " + DescribeProblem(report!))
    {
        Report = report!;
    }

    /// <summary>The full report.</summary>
    public WeightLoadReport Report { get; }

    private static string DescribeProblem(WeightLoadReport report)
    {
        string text = report.ToString();
        return text[(report.Source.Length + 2)..];
    }
}
