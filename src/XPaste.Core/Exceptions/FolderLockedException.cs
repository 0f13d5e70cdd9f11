namespace XPaste;

/// <summary>
/// Thrown when a folder that takes a single writer (an instance bank, an augment run's output folder) is already
/// held by another writer in this process or another one. The lock is an OS file lock, so it goes away when the
/// holder finishes or dies; nothing was written.
/// </summary>
public abstract class FolderLockedException : XPasteException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="folder">The locked folder.</param>
    /// <param name="lockFile">The lock file that is held.</param>
    /// <param name="message">The full message, starting with <paramref name="folder"/>.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    protected FolderLockedException(string folder, string lockFile, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Folder = folder;
        LockFile = lockFile;
    }

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    /// <summary>The lock file that is held.</summary>
    public string LockFile { get; }
}
