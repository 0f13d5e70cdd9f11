namespace XPaste.Imaging;

/// <summary>Thrown when an image file cannot be decoded; the message names the file.</summary>
public sealed class InvalidImageException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="input">The file or name of the image.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public InvalidImageException(string input, string problem, Exception? innerException = null)
        : base(input, problem, innerException)
    {
    }
}
