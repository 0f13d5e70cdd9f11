namespace XPaste.Bank;

/// <summary>Thrown when a bank is opened for writing while another writer (this process or another) holds its lock.</summary>
public sealed class BankLockedException : FolderLockedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="folder">The bank folder.</param>
    /// <param name="lockFile">The lock file that is held.</param>
    /// <param name="holder">What is known about the holder (e.g. its process id), or null.</param>
    /// <param name="innerException">The underlying error.</param>
    public BankLockedException(string folder, string lockFile, string? holder, Exception? innerException = null)
        : base(folder, lockFile,
               $"{folder}: the instance bank is being written by another writer{(holder is null ? "" : $" ({holder})")}; " +
               $"close it first (lock file {lockFile})", innerException)
    {
        Holder = holder;
    }

    /// <summary>What is known about the holder (e.g. its process id and machine), or null.</summary>
    public string? Holder { get; }
}
