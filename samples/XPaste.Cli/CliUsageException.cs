namespace XPaste.Cli;

/// <summary>
/// A mistake on the command line that the parser cannot see (options that conflict, a value out of range): printed as
/// <c>error: --option: problem</c> and exits with <see cref="ExitCodes.Usage"/>. The tool throws it itself, so an
/// <see cref="ArgumentException"/> from the library (a caller bug) is never mistaken for a user's typo.
/// </summary>
internal sealed class CliUsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The line after <c>error: </c>, starting with the option it is about.</param>
    public CliUsageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the error that revealed the mistake.</summary>
    /// <param name="message">The line after <c>error: </c>, starting with the option it is about.</param>
    /// <param name="innerException">What was thrown when the value was used.</param>
    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
