namespace XPaste.Weights;

/// <summary>Thrown when a checkpoint file cannot be read; the message names the file.</summary>
public class InvalidWeightsException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="input">The checkpoint file.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public InvalidWeightsException(string input, string problem, Exception? innerException = null)
        : base(input, problem, innerException)
    {
    }
}

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
