namespace XPaste;

/// <summary>
/// Thrown when an input (a file, a folder entry, a record inside a file) cannot be used. The message always
/// starts with the input's name, then says what is wrong with it (<c>input: problem</c>). Derive from it for a more
/// specific kind of input (see <see cref="XPasteException"/> for the whole hierarchy).
/// </summary>
public class InvalidInputException : XPasteException
{
    /// <summary>Creates the exception for <paramref name="input"/> with a description of the problem.</summary>
    /// <param name="input">The file path or other name of the input, as the caller gave it.</param>
    /// <param name="problem">What is wrong, in a sentence.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public InvalidInputException(string input, string problem, Exception? innerException = null)
        : base($"{input}: {problem}", innerException)
    {
        Input = input;
        Problem = problem;
    }

    /// <summary>The name of the input that was rejected (usually a file path).</summary>
    public string Input { get; }

    /// <summary>What is wrong with the input, without the input's name.</summary>
    public string Problem { get; }
}
