using System.Text.RegularExpressions;
using XPaste.IO;

namespace XPaste.Hub;

/// <summary>
/// One repository's folder in the <c>huggingface_hub</c> cache layout:
/// <c>models--{org}--{name}/blobs/{etag}</c> holds contents, <c>refs/{revision}</c> the commit a branch or tag
/// pointed to, <c>snapshots/{commit}/{path}</c> relative symbolic links to the blobs (copies where links fail).
/// </summary>
internal sealed partial class HubCache
{
    public HubCache(string cacheFolder, string repoId)
    {
        RepoFolder = Path.Combine(Path.GetFullPath(cacheFolder), "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
    }

    public string RepoFolder { get; }

    public string BlobsFolder => Path.Combine(RepoFolder, "blobs");

    public static bool IsCommitHash(string revision) => CommitPattern().IsMatch(revision);

    public string BlobPath(string etag)
    {
        if (!EtagPattern().IsMatch(etag))
        {
            throw new HubException($"unexpected etag '{etag}' (expected a SHA-1 or SHA-256 hex digest)");
        }

        return Path.Combine(BlobsFolder, etag);
    }

    /// <summary>The lock file of one blob's download, where huggingface_hub keeps it: <c>{cache}/.locks/models--org--name/{etag}.lock</c>.</summary>
    public string LockPath(string blobPath)
    {
        string folder = Path.Combine(Path.GetDirectoryName(RepoFolder)!, ".locks", Path.GetFileName(RepoFolder));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, Path.GetFileName(blobPath) + ".lock");
    }

    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    public string SnapshotPath(string commit, string file) => SafePath.Resolve(SnapshotFolder(commit), file, $"repository file '{file}'");

    /// <summary>The commit a revision resolves to in the cache: a cached commit hash itself, or what its ref file says.</summary>
    public string? ResolveCommit(string revision)
    {
        if (IsCommitHash(revision) && Directory.Exists(SnapshotFolder(revision)))
        {
            return revision;
        }

        string refFile = RefPath(revision);
        if (!File.Exists(refFile))
        {
            return null;
        }

        string commit = File.ReadAllText(refFile).Trim();
        return IsCommitHash(commit) ? commit : null;
    }

    public void WriteRef(string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }

        string refFile = RefPath(revision);
        if (File.Exists(refFile) && File.ReadAllText(refFile).Trim() == commit)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
        AtomicFile.WriteAllText(refFile, commit);
    }

    /// <summary>Points <paramref name="snapshotPath"/> at <paramref name="blobPath"/>: a relative symbolic link, else a copy.</summary>
    public static void Link(string blobPath, string snapshotPath)
    {
        string folder = Path.GetDirectoryName(snapshotPath)!;
        Directory.CreateDirectory(folder);
        string target = Path.GetRelativePath(folder, blobPath);
        var existing = new FileInfo(snapshotPath);
        if (existing.LinkTarget == target && File.Exists(snapshotPath))
        {
            return;
        }

        if (existing.LinkTarget is null && existing.Exists && existing.Length == new FileInfo(blobPath).Length)
        {
            // A copy made where links are unavailable (written atomically from the verified blob).
            return;
        }

        if (existing.Exists || existing.LinkTarget is not null)
        {
            File.Delete(snapshotPath);
        }

        try
        {
            File.CreateSymbolicLink(snapshotPath, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Windows without developer mode, or a file system without links: keep a copy, as huggingface_hub does.
            AtomicFile.Write(snapshotPath, stream =>
            {
                using FileStream source = File.OpenRead(blobPath);
                source.CopyTo(stream);
            });
        }
    }

    private string RefPath(string revision) => SafePath.Resolve(Path.Combine(RepoFolder, "refs"), revision, $"revision '{revision}'");

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^([0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex EtagPattern();
}
