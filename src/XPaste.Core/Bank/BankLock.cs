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

    private readonly FileLock _lock;

    private BankLock(FileLock held) => _lock = held;

    public static BankLock Acquire(string folder)
    {
        string path = Path.Combine(folder, FileName);
        FileLock held = FileLock.TryAcquire(path)
            ?? throw new BankLockedException(folder, path, TryReadHolder(Path.Combine(folder, OwnerFileName)));

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

        return new BankLock(held);
    }

    public void Dispose() => _lock.Dispose();

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
