using System.Globalization;
using System.Security.Cryptography;

namespace XPaste.Augment;

/// <summary>
/// The names an <see cref="AugmentRun"/> records its settings under (and reports in
/// <see cref="AugmentRunConflictException.Differences"/>), to map a difference back to what the user set. The
/// augmenter's options are recorded under their property paths (<c>Seed</c>, <c>BatchSize</c>,
/// <c>Jitter.OutputWidth</c>, <c>Kernel.Blending</c>: use <c>nameof</c> and <see cref="Path"/>), the run's writer
/// options under <see cref="WriterPrefix"/>, and <see cref="AugmentRunOptions.Inputs"/> under the caller's names.
/// </summary>
public static class AugmentRunSettings
{
    /// <summary>The policy's type (a custom policy, or the built-in one <see cref="XPasteOptions.Policy"/> chose).</summary>
    public const string PolicyType = "PolicyType";

    /// <summary><see cref="AugmentRunOptions.Count"/>.</summary>
    public const string Count = "Count";

    /// <summary>The preview settings (<see cref="AugmentRunOptions.WritePreview"/> and the tile settings).</summary>
    public const string Preview = "Preview";

    /// <summary>The destination images' ids, sizes and object counts.</summary>
    public const string Dataset = "Dataset";

    /// <summary>The instance pool's ids, categories and sizes.</summary>
    public const string Pool = "Pool";

    /// <summary>The per-category size statistics.</summary>
    public const string SizeStatistics = "SizeStatistics";

    /// <summary>The output's COCO categories.</summary>
    public const string Categories = "Categories";

    /// <summary>The XPaste.Augment version that made the run.</summary>
    public const string XPasteVersion = "XPasteVersion";

    /// <summary>The prefix of <see cref="AugmentRunOptions.Writer"/>'s settings, e.g. <c>Writer.Format</c>.</summary>
    public const string WriterPrefix = "Writer.";

    /// <summary>The name of a nested option, e.g. <c>Path(nameof(XPasteOptions.Jitter), nameof(LargeScaleJitterOptions.OutputWidth))</c>.</summary>
    /// <param name="parts">Property names from the outermost options class inwards.</param>
    /// <returns>The dotted path.</returns>
    public static string Path(params string[] parts) => string.Join('.', parts);

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
        return System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder));
    }
}
