namespace XPaste.Hub;

/// <summary>The repository, revision or file does not exist on the Hub (HTTP 404), or is not in the repository's file list.</summary>
public sealed class HubNotFoundException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public HubNotFoundException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
