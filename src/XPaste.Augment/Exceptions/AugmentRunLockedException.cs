namespace XPaste.Augment;

/// <summary>
/// Thrown when an <see cref="AugmentRun"/> starts (or <see cref="AugmentRun.Clear"/> is called) on an output folder
/// another run is writing to, in this process or another one. Nothing was written; run again when the other run
/// has finished.
/// </summary>
public sealed class AugmentRunLockedException : FolderLockedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="lockFile">The lock file that is held.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public AugmentRunLockedException(string folder, string lockFile, Exception? innerException = null)
        : base(folder, lockFile, $"{folder}: another augment run is writing to this folder (lock file {lockFile})", innerException)
    {
    }
}
