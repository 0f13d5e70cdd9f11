namespace XPaste.Hub;

/// <summary>One file of a repository revision.</summary>
/// <param name="Path">The path in the repository (<c>/</c>-separated).</param>
/// <param name="Size">The size in bytes, when the Hub reported it.</param>
/// <param name="BlobId">The git blob id (SHA-1 of the git object), when reported.</param>
/// <param name="Sha256">The SHA-256 of the content for files stored with Git LFS (weights), else null.</param>
public sealed record HubFile(string Path, long? Size, string? BlobId, string? Sha256)
{
    /// <summary>The name the cache stores the content under (<c>blobs/{etag}</c>): the LFS SHA-256, else the git blob id.</summary>
    public string? Etag => Sha256 ?? BlobId;
}
