namespace XPaste.Hub;

/// <summary>Offline mode (or an unreachable Hub) and the requested files are not all in the cache.</summary>
public sealed class HubOfflineException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing from the cache.</param>
    /// <param name="innerException">The network error when the Hub was unreachable, if any.</param>
    public HubOfflineException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
