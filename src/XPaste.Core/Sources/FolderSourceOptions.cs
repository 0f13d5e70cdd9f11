using XPaste.Imaging;

namespace XPaste.Sources;

/// <summary>Settings of <see cref="FolderInstanceSource"/>.</summary>
public sealed class FolderSourceOptions
{
    /// <summary>File extensions read as images, case-insensitive. Default <c>.png .jpg .jpeg .webp .bmp</c>.</summary>
    public IReadOnlyCollection<string> Extensions { get; init; } = [".png", ".jpg", ".jpeg", ".webp", ".bmp"];

    /// <summary>
    /// Leave out category folders whose name is not in the category list. Default false: such a folder is an error,
    /// since it usually means the wrong category list.
    /// </summary>
    public bool IgnoreUnknownFolders { get; init; }

    /// <summary>Log and leave out images that cannot be decoded instead of failing (useful for crawled images). Default false.</summary>
    public bool SkipUnreadableImages { get; init; }

    /// <summary>
    /// Record each image's origin relative to this folder (with <c>/</c> separators) instead of as a full path, so the
    /// same images under another mount write the same bank manifest. Default null: full paths.
    /// </summary>
    public string? OriginRelativeTo { get; init; }

    /// <summary>How images are decoded; channels are always forced to RGB. Default <see cref="ImageLoadOptions.Default"/>.</summary>
    public ImageLoadOptions Load { get; init; } = ImageLoadOptions.Default;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new FolderSourceOptionsValidator(), this);
}
