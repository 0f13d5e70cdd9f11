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
