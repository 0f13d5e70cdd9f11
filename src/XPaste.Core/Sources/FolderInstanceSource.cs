using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Coco;
using XPaste.Imaging;

namespace XPaste.Sources;

/// <summary>
/// Candidates from generated or crawled images laid out as <c>{root}/{category}/{file}</c> (the reference's
/// <c>{out}/{category}/{k:04d}.png</c>). Images come without masks: an extractor segments them.
/// </summary>
/// <remarks>
/// A folder's name is matched to a category's <see cref="CategoryInfo.Name"/> or, failing that, its
/// <see cref="CategoryInfo.PromptName"/>. Order is stable: categories by ascending id, then files by ordinal name.
/// Candidate ids are <c>{folder}/{file}</c>. Hidden files (names starting with a dot, such as an interrupted
/// generator's temporary files) and files at the root are not candidates. The folder is listed once, on construction.
/// </remarks>
public sealed class FolderInstanceSource : IResumableInstanceSource
{
    private readonly FolderSourceOptions _options;
    private readonly ILogger _logger;
    private readonly Entry[] _entries;

    /// <summary>Lists <paramref name="root"/> against a category list.</summary>
    /// <param name="root">The folder holding one sub-folder per category.</param>
    /// <param name="categories">The categories; folder names are matched to their names.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="logger">Receives notes on skipped images; none when null.</param>
    /// <exception cref="InvalidInputException">The root is missing, or a folder matches no category (unless ignored).</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public FolderInstanceSource(string root, IReadOnlyList<CategoryInfo> categories, FolderSourceOptions? options = null, ILogger? logger = null)
        : this(root, MatchFolders(root, categories, options ?? new FolderSourceOptions()), options, logger)
    {
    }

    private FolderInstanceSource(string root, List<(CategoryInfo Category, string Folder)> found, FolderSourceOptions? options, ILogger? logger)
    {
        _options = options ?? new FolderSourceOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
        Root = Path.GetFullPath(root);
        Name = "folder:" + Path.GetFileName(Path.TrimEndingDirectorySeparator(Root));
        var extensions = new HashSet<string>(_options.Extensions, StringComparer.OrdinalIgnoreCase);
        var duplicate = found.GroupBy(f => f.Category.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidInputException(Root, $"category {duplicate.Key} matches several folders: {string.Join(", ", duplicate.Select(d => Path.GetFileName(d.Folder)))}");
        }

        _entries = found
            .OrderBy(f => f.Category.Id)
            .SelectMany(f => Directory.EnumerateFiles(f.Folder)
                .Select(Path.GetFileName)
                .Where(file => !file!.StartsWith('.') && extensions.Contains(Path.GetExtension(file)))
                .Order(StringComparer.Ordinal)
                .Select(file => new Entry($"{Path.GetFileName(f.Folder)}/{file}", f.Category, Path.Combine(f.Folder, file!))))
            .ToArray();
        Categories = found.Select(f => f.Category).OrderBy(c => c.Id).ToArray();
    }

    /// <summary>The root folder (full path).</summary>
    public string Root { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The categories that have a folder, by ascending id.</summary>
    public IReadOnlyList<CategoryInfo> Categories { get; }

    /// <inheritdoc />
    public int Count => _entries.Length;

    private static List<(CategoryInfo Category, string Folder)> MatchFolders(string root, IReadOnlyList<CategoryInfo> categories, FolderSourceOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options.Validate();
        ArgumentNullException.ThrowIfNull(categories);
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new InvalidInputException(root, "folder not found");
        }

        var byName = new Dictionary<string, CategoryInfo>(StringComparer.Ordinal);
        var byPromptName = new Dictionary<string, CategoryInfo>(StringComparer.Ordinal);
        foreach (CategoryInfo category in categories)
        {
            if (!byName.TryAdd(category.Name, category))
            {
                throw new ArgumentException($"the category name '{category.Name}' appears twice", nameof(categories));
            }

            byPromptName.TryAdd(category.PromptName, category);
        }

        var found = new List<(CategoryInfo Category, string Folder)>();
        foreach (string folder in Directory.EnumerateDirectories(full))
        {
            string name = Path.GetFileName(folder);
            if (name.StartsWith('.'))
            {
                continue;
            }

            if (byName.TryGetValue(name, out CategoryInfo? category) || byPromptName.TryGetValue(name, out category))
            {
                found.Add((category, folder));
            }
            else if (!options.IgnoreUnknownFolders)
            {
                throw new InvalidInputException(folder, $"no category named '{name}' in the category list (FolderSourceOptions.IgnoreUnknownFolders leaves such folders out)");
            }
        }

        return found;
    }

    /// <summary>
    /// Creates a source whose folders are matched <b>by name</b> to a dataset's categories (COCO/LVIS <c>name</c>, then
    /// LVIS <c>synonyms</c>; case, <c>_</c> and <c>-</c> ignored, see <see cref="CategoryMapping"/>), so the bank records
    /// the dataset's ids and names: a bank made this way pastes with the right labels into that dataset.
    /// </summary>
    /// <param name="root">The folder holding one sub-folder per category.</param>
    /// <param name="dataset">The dataset's categories.</param>
    /// <param name="datasetName">The dataset as the user named it (its file), for messages.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="logger">Receives notes on skipped images; none when null.</param>
    /// <returns>The source.</returns>
    /// <exception cref="CategoryMismatchException">Folders that match no dataset category (listed), or one that matches several.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static FolderInstanceSource FromDataset(string root, IReadOnlyList<CocoCategory> dataset, string datasetName,
        FolderSourceOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(dataset);
        if (!Directory.Exists(root))
        {
            throw new InvalidInputException(root, "folder not found");
        }

        string[] folders = [.. Directory.EnumerateDirectories(root).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)];
        CategoryInfo[] byFolder = [.. folders.Select((f, i) => new CategoryInfo(i + 1, Path.GetFileName(f)))];
        CategoryMapping mapping = CategoryMapping.Create(byFolder, root, dataset, datasetName);
        var found = folders
            .Select((folder, i) =>
            {
                CocoCategory match = dataset.First(c => c.Id == mapping.Map(i + 1));
                return (new CategoryInfo(match.Id, match.Name), folder);
            })
            .ToList();
        return new FolderInstanceSource(root, found, options, logger);
    }

    /// <summary>Creates a source whose categories are the folder names themselves, numbered 1, 2, ... in ordinal name order.</summary>
    /// <param name="root">The folder holding one sub-folder per category.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="logger">Receives notes on skipped images; none when null.</param>
    /// <returns>The source.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static FolderInstanceSource FromFolderNames(string root, FolderSourceOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root))
        {
            throw new InvalidInputException(root, "folder not found");
        }

        var categories = Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Where(name => !name!.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .Select((name, i) => new CategoryInfo(i + 1, name!))
            .ToArray();
        return new FolderInstanceSource(root, categories, options, logger);
    }

    /// <summary>
    /// Creates a source over one category's folder (<c>{root}/{category}</c>) alone. Ids and <see cref="Name"/> are
    /// those the source over the whole root gives (<c>{folder}/{file}</c>, <c>folder:{root}</c>), so a bank filled
    /// from either layout resumes from the other.
    /// </summary>
    /// <param name="folder">The folder of the category's images.</param>
    /// <param name="category">The category they show.</param>
    /// <param name="options">Settings; defaults when null. <see cref="FolderSourceOptions.IgnoreUnknownFolders"/> does not apply.</param>
    /// <param name="logger">Receives notes on skipped images; none when null.</param>
    /// <returns>The source.</returns>
    /// <exception cref="InvalidInputException">The folder is missing.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (every problem is listed).</exception>
    public static FolderInstanceSource FromCategoryFolder(string folder, CategoryInfo category, FolderSourceOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(category);
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(folder, "folder not found");
        }

        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string root = Path.GetDirectoryName(full) ?? full;
        return new FolderInstanceSource(root, [(category, full)], options, logger);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SourceImage> ReadAsync(CancellationToken cancellationToken = default) => ReadAsync(_ => false, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceImage> ReadAsync(Func<string, bool> skip, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skip);
        var load = new ImageLoadOptions { Channels = ImageChannels.Rgb, MaxPixels = _options.Load.MaxPixels, ApplyOrientation = _options.Load.ApplyOrientation };
        foreach (Entry entry in _entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (skip(entry.Id))
            {
                continue;
            }

            TorchSharp.torch.Tensor image;
            try
            {
                byte[] bytes = await File.ReadAllBytesAsync(entry.Path, cancellationToken).ConfigureAwait(false);
                image = ImageIO.Decode(bytes, entry.Path, load);
            }
            catch (Exception ex) when (_options.SkipUnreadableImages && ex is InvalidImageException or IOException)
            {
                FolderSourceLog.Unreadable(_logger, entry.Path, ex.Message);
                continue;
            }

            string origin = _options.OriginRelativeTo is { } relativeTo
                ? Path.GetRelativePath(relativeTo, entry.Path).Replace('\\', '/')
                : entry.Path;
            yield return new SourceImage(entry.Id, entry.Category, image, mask: null, origin: origin);
        }
    }

    private sealed record Entry(string Id, CategoryInfo Category, string Path);
}

internal static partial class FolderSourceLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping {Path}: {Problem}")]
    public static partial void Unreadable(ILogger logger, string path, string problem);
}
