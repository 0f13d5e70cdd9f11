namespace XPaste.Hub;

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
