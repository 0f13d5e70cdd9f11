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

/// <summary>A downloaded file does not have the size or checksum the Hub announced; it was deleted.</summary>
public sealed class HubIntegrityException : HubException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The file in the repository.</param>
    /// <param name="expected">The announced size or hash.</param>
    /// <param name="actual">What was received.</param>
    public HubIntegrityException(string file, string expected, string actual)
        : base($"{file}: downloaded content does not match the Hub's metadata (expected {expected}, got {actual}); the partial file was deleted")
    {
        File = file;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The file in the repository.</summary>
    public string File { get; }

    /// <summary>The announced size or hash.</summary>
    public string Expected { get; }

    /// <summary>What was received.</summary>
    public string Actual { get; }
}
