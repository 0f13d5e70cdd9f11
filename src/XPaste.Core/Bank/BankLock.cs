using XPaste.IO;

namespace XPaste.Bank;

/// <summary>
/// The single-writer lock of a bank: an exclusively opened <c>.lock</c> file (an OS file lock, released by the OS if
/// the process dies, so a crash never leaves the bank locked).
/// </summary>
internal sealed class BankLock : IDisposable
{
    public const string FileName = ".lock";
    public const string OwnerFileName = ".lock-owner";

    private readonly FileStream _stream;

    private BankLock(FileStream stream) => _stream = stream;

    public static BankLock Acquire(string folder)
    {
        string path = Path.Combine(folder, FileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new BankLockedException(folder, path, TryReadHolder(Path.Combine(folder, OwnerFileName)), ex);
        }

        try
        {
            // Who holds it, for the message another writer gets. A separate file: the lock file itself cannot be
            // read by others while it is locked.
            AtomicFile.WriteAllText(Path.Combine(folder, OwnerFileName), $"pid {Environment.ProcessId} on {Environment.MachineName}");
        }
        catch (IOException)
        {
            // The lock is what matters; the note is a courtesy.
        }

        return new BankLock(stream);
    }

    public void Dispose() => _stream.Dispose();

    private static string? TryReadHolder(string ownerFile)
    {
        try
        {
            string text = File.ReadAllText(ownerFile).Trim();
            return text.Length is 0 or > 200 ? null : text;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
