namespace XPaste.IO;

/// <summary>
/// An exclusive lock held by keeping a lock file open with <see cref="FileShare.None"/>: an OS lock (<c>flock</c> on
/// Unix, a share mode on Windows) that excludes other processes and other handles in this process, and that the OS
/// releases when the process dies, so a crash never leaves anything locked. The one lock behind the instance bank's
/// writer lock, the augment run's folder lock and the Hub's per-file download lock.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock, or returns null at once when another holder has it.</summary>
    /// <param name="path">The lock file; created if missing (its folder must exist).</param>
    /// <returns>The held lock, or null.</returns>
    public static FileLock? TryAcquire(string path)
    {
        try
        {
            return new FileLock(path, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Takes the lock, waiting (polling) while another holder has it.</summary>
    /// <param name="path">The lock file.</param>
    /// <param name="onWait">Called once if the lock is busy, before waiting.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock.</returns>
    public static async Task<FileLock> AcquireAsync(string path, Action? onWait = null, CancellationToken cancellationToken = default)
    {
        bool waited = false;
        while (true)
        {
            if (TryAcquire(path) is { } held)
            {
                return held;
            }

            if (!waited)
            {
                onWait?.Invoke();
                waited = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the lock (the file stays, so the next holder does not race its deletion).</summary>
    public void Dispose() => _stream.Dispose();
}
