namespace XPaste.Hub;

/// <summary>A model could not be fetched from the Hub or found in the cache; the message says which and why.</summary>
public class HubException : XPasteException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public HubException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
