namespace XPaste;

/// <summary>
/// The root of every exception XPaste throws on purpose, so an application can tell "XPaste refused this, and says
/// why" from a bug. Three families sit under it:
/// <list type="bullet">
/// <item><see cref="InvalidInputException"/>: an input (a file, a folder, a record in a file, a model) cannot be
/// used; <see cref="InvalidInputException.Input"/> names it and <see cref="InvalidInputException.Problem"/> says
/// what is wrong. Retrying does not help; fixing the input does.</item>
/// <item><see cref="FolderLockedException"/>: another writer holds a folder (a bank, an augment run's output).
/// Retrying after it finishes helps.</item>
/// <item><see cref="Hub.HubException"/>: a model could not be fetched from the Hugging Face Hub or found in the
/// cache.</item>
/// </list>
/// Argument errors a caller can check before calling (<see cref="ArgumentException"/>), invalid options
/// (<c>Microsoft.Extensions.Options.OptionsValidationException</c>), cancellation
/// (<see cref="OperationCanceledException"/>) and plain file-system errors (<see cref="IOException"/>) keep their
/// .NET types.
/// </summary>
public abstract class XPasteException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, starting with the name of what it failed on.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    protected XPasteException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
