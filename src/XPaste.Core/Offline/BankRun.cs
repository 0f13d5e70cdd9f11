using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Extraction;
using XPaste.Generation.Categories;
using XPaste.Sources;
using XPaste.IO;

namespace XPaste.Offline;

/// <summary>
/// X-Paste's offline half for one shard, as one resumable run: generate each category's images (or read a crawled or
/// generated folder), extract with several extractors, choose the best mask by CLIP, apply the keep rule per category
/// and cut out into the shard's bank; then record a per-category summary of what was kept and rejected, and why.
/// </summary>
/// <remarks>
/// Every stage resumes: generation keeps the images that are there, extraction skips the images the bank has settled,
/// and the run record (<see cref="RunManifest"/>) says when the shard is complete. A worker retried by its engine
/// (Kubernetes, Slurm) redoes only what it had not finished. Settings are compared on resume: a shard begun with other
/// settings is refused with <see cref="RunSettingsConflictException"/> unless <see cref="BankRunOptions.StartOver"/>.
/// With a <see cref="OfflinePipelineOptions.PerCategoryBudget"/> and a generator, each category is generated in chunks and
/// extracted after each, and its generation stops once the budget is kept (see <c>BankRun.Budget.cs</c>).
/// </remarks>
public sealed partial class BankRun
{
    private readonly BankRunOptions _options;
    private readonly CategoryImageGenerator? _generator;
    private readonly OfflinePipeline _extraction;
    private readonly ILogger _logger;

    /// <summary>Creates the run.</summary>
    /// <param name="options">Output, categories, shard, settings.</param>
    /// <param name="generator">Makes the images; null reads <see cref="BankRunOptions.ImagesFolder"/> instead.</param>
    /// <param name="extraction">The offline pipeline (extractors, filter, selection) that fills the shard's bank.</param>
    /// <param name="logger">Receives per-stage notes; none when null.</param>
    public BankRun(BankRunOptions options, CategoryImageGenerator? generator, OfflinePipeline extraction, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(extraction);
        options.Validate();
        if (generator is null == options.ImagesFolder is null)
        {
            throw new ArgumentException("give either a generator or an images folder, not both or neither", nameof(generator));
        }

        _options = options;
        _generator = generator;
        _extraction = extraction;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>This shard's categories, in the run's order.</summary>
    public IReadOnlyList<CategoryInfo> ShardCategories => [.. _options.Categories.Where(c => _options.Shard.Contains(c.Name))];

    /// <summary>Every setting recorded for the run: the caller's, the generator's (prefixed <c>generate.</c>) and the category list.</summary>
    public IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach ((string key, string value) in _options.Settings)
            {
                settings[key] = value;
            }

            if (_generator is not null)
            {
                foreach ((string key, string value) in _generator.Settings)
                {
                    settings["generate." + key] = value;
                }
            }
            else
            {
                settings["images"] = Path.GetFullPath(_options.ImagesFolder!);
            }

            var list = new StringBuilder();
            foreach (CategoryInfo category in _options.Categories)
            {
                list.Append(category.Id.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(category.Name).Append('\n');
            }

            settings["categories"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(list.ToString())))[..16];
            return settings;
        }
    }

    /// <summary>Runs (or resumes) the shard.</summary>
    /// <param name="progress">Receives <c>generate</c> and <c>extract</c> progress.</param>
    /// <param name="cancellationToken">Stops at the next batch; finished work stays and the same run resumes it.</param>
    /// <returns>The shard's record, complete.</returns>
    public async Task<RunManifest> RunAsync(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string manifestPath = RunManifest.PathOf(_options.OutputFolder, _options.Shard.Index, _options.Shard.Count);
        IReadOnlyDictionary<string, string> settings = Settings;
        IReadOnlyList<CategoryInfo> categories = ShardCategories;
        CheckSettings(manifestPath, settings);
        var manifest = new RunManifest
        {
            ShardIndex = _options.Shard.Index,
            ShardCount = _options.Shard.Count,
            Settings = settings,
            Categories = [.. categories.Select(c => c.Name)],
            AllCategories = [.. _options.Categories.Select(c => c.Name)],
            Bank = Path.GetFileName(_options.BankFolder),
        };
        manifest.Write(manifestPath);

        int? budget = _generator is null ? null : _extraction.Options.PerCategoryBudget;
        if (_generator is not null && budget is null)
        {
            CategoryGenerationResult generated = _generator.Run(_options.ImagesRoot, categories, progress, cancellationToken);
            BankRunLog.Generated(_logger, _options.Shard, generated.Generated, generated.Kept);
        }

        Directory.CreateDirectory(_options.ImagesRoot);
        // The stage commits each category by itself; a large CommitEvery keeps a category's results in one segment.
        using (InstanceBank bank = InstanceBank.OpenOrCreate(_options.BankFolder, new BankOptions { CommitEvery = 1 << 20 }, _logger))
        {
            if (budget is int limit)
            {
                await RunWithinBudgetAsync(bank, categories, limit, progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _extraction.RunAsync(Source(categories), bank, progress, cancellationToken).ConfigureAwait(false);
            }

            manifest = manifest with { Complete = true, Summary = Summarize(bank, categories) };
        }

        manifest.Write(manifestPath);
        return manifest;
    }

    /// <summary>The images of <paramref name="categories"/> under the images folder (one source name, whichever categories).</summary>
    private FolderInstanceSource Source(IReadOnlyList<CategoryInfo> categories) => new(_options.ImagesRoot, categories,
        new FolderSourceOptions
        {
            IgnoreUnknownFolders = true,
            SkipUnreadableImages = _generator is null,
            // Origins relative to the images folder's parent (the run folder by default): the same run in another
            // folder or mount writes the same manifest bytes.
            OriginRelativeTo = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(_options.ImagesRoot))),
        }, _logger);

    private void CheckSettings(string manifestPath, IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(manifestPath))
        {
            return;
        }

        RunManifest previous = RunManifest.Read(manifestPath);
        string? differing = RunSettings.FirstDifference(previous.Settings, settings);
        if (differing is null)
        {
            return;
        }

        if (!_options.StartOver)
        {
            throw new RunSettingsConflictException(manifestPath, differing,
                $"shard {_options.Shard} was begun with {differing} = {RunSettings.Show(previous.Settings.GetValueOrDefault(differing))}, this run has {RunSettings.Show(settings.GetValueOrDefault(differing))}; use another output folder, or start over (--start-over)");
        }

        if (Directory.Exists(_options.BankFolder))
        {
            Directory.Delete(_options.BankFolder, recursive: true);
        }
    }

    /// <summary>Kept and rejected images per category, rejections counted by kind name.</summary>
    private static Dictionary<string, CategoryRunSummary> Summarize(InstanceBank bank, IReadOnlyList<CategoryInfo> categories)
    {
        var kept = bank.Instances.GroupBy(i => i.CategoryName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var rejected = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (BankRejection rejection in bank.Rejections)
        {
            string category = rejection.Category ?? "";
            var kinds = rejected.TryGetValue(category, out var r) ? r : rejected[category] = new Dictionary<string, int>(StringComparer.Ordinal);
            kinds[rejection.KindName] = kinds.GetValueOrDefault(rejection.KindName) + 1;
        }

        return categories.ToDictionary(
            c => c.Name,
            c =>
            {
                var reasons = rejected.GetValueOrDefault(c.Name) ?? [];
                return new CategoryRunSummary(kept.GetValueOrDefault(c.Name), reasons.Values.Sum(), reasons);
            },
            StringComparer.Ordinal);
    }
}

internal static partial class BankRunLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard}: {Generated} images generated, {Kept} already there")]
    public static partial void Generated(ILogger logger, XPaste.Sharding.ShardSpec shard, int generated, int kept);
}
