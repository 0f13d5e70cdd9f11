using System.Runtime.InteropServices;

namespace XPaste.IO;

/// <summary>
/// Flushes a folder's entries to disk. A rename is only durable once the folder that holds it is flushed: on Linux
/// (ext4, XFS) a power cut after <c>rename</c> but before the folder reaches the disk can bring back the old name,
/// so crash-safe writes fsync the file, rename it, then fsync the folder. Windows has no portable way to flush a
/// folder (NTFS journals renames itself); there this does nothing.
/// </summary>
internal static unsafe class FolderSync
{
    private static readonly delegate* unmanaged<byte*, int, int> OpenFn;
    private static readonly delegate* unmanaged<int, int> FsyncFn;
    private static readonly delegate* unmanaged<int, int> CloseFn;

#pragma warning disable CA1810 // the exports are looked up once, and only on Unix
    static FolderSync()
#pragma warning restore CA1810
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string[] candidates = OperatingSystem.IsMacOS() ? ["libSystem.dylib"] : ["libc.so.6", "libc"];
        foreach (string name in candidates)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr libc)
                && NativeLibrary.TryGetExport(libc, "open", out IntPtr open)
                && NativeLibrary.TryGetExport(libc, "fsync", out IntPtr fsync)
                && NativeLibrary.TryGetExport(libc, "close", out IntPtr close))
            {
                OpenFn = (delegate* unmanaged<byte*, int, int>)open;
                FsyncFn = (delegate* unmanaged<int, int>)fsync;
                CloseFn = (delegate* unmanaged<int, int>)close;
                return;
            }
        }
    }

    /// <summary>Whether folders can be flushed on this system.</summary>
    public static bool IsSupported => FsyncFn != null;

    /// <summary>Flushes <paramref name="folder"/>'s entries (names, renames) to disk; best effort.</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>True when the folder was flushed; false where that is unsupported or the folder cannot be opened.</returns>
    public static bool Flush(string folder)
    {
        if (!IsSupported)
        {
            return false;
        }

        byte[] path = System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(folder) + "\0");
        int fd;
        fixed (byte* p = path)
        {
            fd = OpenFn(p, 0); // O_RDONLY: enough to fsync a directory
        }

        if (fd < 0)
        {
            return false;
        }

        try
        {
            return FsyncFn(fd) == 0;
        }
        finally
        {
            _ = CloseFn(fd);
        }
    }
}
