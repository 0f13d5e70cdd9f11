namespace XPaste.Masks;

/// <summary>
/// Thrown when run-length counts or a compressed COCO counts string cannot describe a mask of the given size:
/// counts that do not sum to <c>height * width</c>, negative or oversized counts, characters outside the COCO
/// alphabet, a string that stops in the middle of a number.
/// </summary>
public class InvalidRleException : InvalidInputException
{
    /// <summary>Creates the exception for <paramref name="input"/> with a description of the problem.</summary>
    /// <param name="input">What held the RLE (a file and annotation, or just "RLE").</param>
    /// <param name="problem">What is wrong, in a sentence.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public InvalidRleException(string input, string problem, Exception? innerException = null)
        : base(input, problem, innerException)
    {
    }
}
