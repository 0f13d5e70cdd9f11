using System.Globalization;
using System.Security.Cryptography;

namespace XPaste.Augment;

/// <summary>
/// Identities of inputs for <see cref="AugmentRunOptions.Inputs"/>: what an <see cref="AugmentRun"/> cannot describe
/// itself and must find unchanged to resume.
/// </summary>
public static class AugmentRunInputs
{
    /// <summary>
    /// An input file's identity by content, <c>sha256 HEX, N bytes</c>, for <see cref="AugmentRunOptions.Inputs"/>: a
    /// dataset file edited in place (same path, other annotations) then refuses to resume instead of mixing outputs.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Stops hashing.</param>
    /// <returns>The identity.</returns>
    public static async Task<string> FileIdentityAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException(path, "file not found", ex);
        }

        await using (stream.ConfigureAwait(false))
        {
            byte[] hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return string.Create(CultureInfo.InvariantCulture, $"sha256 {Convert.ToHexStringLower(hash)}, {stream.Length} bytes");
        }
    }

    /// <summary>An input folder's identity, its full path, for <see cref="AugmentRunOptions.Inputs"/> (its files are described by the dataset).</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The identity.</returns>
    public static string FolderIdentity(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
    }
}
