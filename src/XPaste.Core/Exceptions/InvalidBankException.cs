namespace XPaste.Bank;

/// <summary>Thrown when a bank's files are unusable: a corrupt manifest segment, an entry whose path escapes the bank, a PNG that does not match its entry.</summary>
public sealed class InvalidBankException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="input">The file at fault (a manifest segment, a PNG, the bank folder).</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public InvalidBankException(string input, string problem, Exception? innerException = null)
        : base(input, problem, innerException)
    {
    }
}
