using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
using XPaste.Imaging;
using XPaste.IO;
using static TorchSharp.torch;

namespace XPaste.Bank;

/// <summary>
/// An instance bank: a folder of RGBA PNG cut-outs (<c>images/{category id}/{id}.png</c>) and a manifest that lists
/// them with category and provenance (<c>manifest/seg-*.json</c>), plus a small summary (<c>bank.json</c>).
/// </summary>
/// <remarks>
/// <para>
/// Writes are crash-safe: every PNG and every manifest segment is written to a temporary file and renamed into
/// place, and a PNG is always written before the segment that lists it. A crash therefore loses at most the
/// additions not yet committed; reopening sees every committed instance exactly once.
/// </para>
/// <para>
/// One writer at a time (<see cref="Create"/>, <see cref="OpenOrCreate"/>) holds an OS file lock on <c>.lock</c>;
/// any number of readers (<see cref="Open"/>) take no lock. Members of a writer are thread-safe.
/// </para>
/// </remarks>
public sealed partial class InstanceBank : IDisposable
{
    /// <summary>The folder, under the bank folder, that holds the PNGs.</summary>
    public const string ImagesFolderName = "images";

    private const string KeySeparator = "\n";

    private readonly object _gate = new();
    private readonly BankOptions _options;
    private readonly ILogger _logger;
    private readonly string _manifestFolder;
    private readonly List<BankInstance> _instances = [];
    private readonly Dictionary<string, BankInstance> _byId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BankRejection> _rejections = new(StringComparer.Ordinal);
    private readonly List<BankRejection> _rejectionOrder = [];
    private readonly Dictionary<int, string> _categoryNames = [];
    private readonly List<BankInstance> _pendingInstances = [];
    private readonly List<BankRejection> _pendingRejections = [];
    private BankLock? _lock;
    private long _lastSegment;
    private int _segmentCount;
    private bool _disposed;

    private IReadOnlyList<BankInstance>? _instancesView;
    private IReadOnlyDictionary<int, IReadOnlyList<BankInstance>>? _byCategoryView;

    private InstanceBank(string folder, BankOptions options, ILogger logger, BankLock? writerLock)
    {
        Folder = Path.GetFullPath(folder);
        _options = options;
        _logger = logger;
        _manifestFolder = Path.Combine(Folder, BankManifest.FolderName);
        _lock = writerLock;
    }

    /// <summary>The bank folder (full path).</summary>
    public string Folder { get; }

    /// <summary>True for a bank opened with <see cref="Open"/>: it can be read, not written.</summary>
    public bool IsReadOnly => _lock is null;

    /// <summary>All instances in the order they were added, including a writer's additions not yet committed.</summary>
    public IReadOnlyList<BankInstance> Instances
    {
        get
        {
            lock (_gate)
            {
                return _instancesView ??= _instances.ToArray();
            }
        }
    }

    /// <summary>The number of instances (see <see cref="Instances"/>).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _instances.Count;
            }
        }
    }

    /// <summary>Instances grouped by category id, each group in insertion order. Categories without instances are absent.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<BankInstance>> ByCategory
    {
        get
        {
            lock (_gate)
            {
                return ByCategoryUnlocked();
            }
        }
    }

    /// <summary>The number of instances per category id.</summary>
    public IReadOnlyDictionary<int, int> CategoryCounts => ByCategory.ToDictionary(p => p.Key, p => p.Value.Count);

    /// <summary>The categories that have at least one instance, by ascending id.</summary>
    public IReadOnlyList<CategoryInfo> Categories
    {
        get
        {
            lock (_gate)
            {
                return ByCategoryUnlocked().Keys.Order().Select(id => new CategoryInfo(id, _categoryNames[id])).ToArray();
            }
        }
    }

    /// <summary>Sources recorded as processed without an instance, in the order they were recorded.</summary>
    public IReadOnlyList<BankRejection> Rejections
    {
        get
        {
            lock (_gate)
            {
                return _rejectionOrder.ToArray();
            }
        }
    }

    /// <summary>Additions and rejections not yet committed to the manifest.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pendingInstances.Count + _pendingRejections.Count;
            }
        }
    }

    /// <summary>Per-category counts, as written to <c>bank.json</c> on each commit.</summary>
    public BankSummary Summary
    {
        get
        {
            lock (_gate)
            {
                return SummaryUnlocked();
            }
        }
    }

    /// <summary>Opens an existing bank for reading. Takes no lock: readers may run beside the writer.</summary>
    /// <param name="folder">The bank folder.</param>
    /// <param name="logger">Receives diagnostics; none when null.</param>
    /// <returns>The bank.</returns>
    /// <exception cref="InvalidBankException">The folder is not a bank, or a manifest segment is corrupt or lists a path outside the bank.</exception>
    public static InstanceBank Open(string folder, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        RequireBank(folder);
        var bank = new InstanceBank(folder, BankOptions.Default, logger ?? NullLogger.Instance, writerLock: null);
        bank.Load();
        return bank;
    }

    /// <summary>Creates a new, empty bank and opens it for writing. The folder may exist if it is empty.</summary>
    /// <param name="folder">The bank folder.</param>
    /// <param name="options">Commit and tidy-up settings; <see cref="BankOptions.Default"/> when null.</param>
    /// <param name="logger">Receives diagnostics; none when null.</param>
    /// <returns>The bank, holding the writer lock until disposed.</returns>
    /// <exception cref="InvalidBankException">The folder already holds files (a bank or anything else), as
    /// <see cref="OpenOrCreate"/> throws for a folder that holds files but no bank.</exception>
    /// <exception cref="BankLockedException">Another writer holds the folder.</exception>
    public static InstanceBank Create(string folder, BankOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new InvalidBankException(folder, "is not empty; give a new or empty folder for a new bank (or OpenOrCreate to add to a bank)");
        }

        return OpenForWriting(folder, options, logger);
    }

    /// <summary>Opens a bank for writing, creating it when the folder does not hold one yet.</summary>
    /// <param name="folder">The bank folder.</param>
    /// <param name="options">Commit and tidy-up settings; <see cref="BankOptions.Default"/> when null.</param>
    /// <param name="logger">Receives diagnostics; none when null.</param>
    /// <returns>The bank, holding the writer lock until disposed.</returns>
    /// <exception cref="BankLockedException">Another writer holds the bank.</exception>
    /// <exception cref="InvalidBankException">
    /// The folder holds other files but no bank, or a manifest segment is corrupt or lists a path outside the bank.
    /// </exception>
    public static InstanceBank OpenOrCreate(string folder, BankOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return OpenForWriting(folder, options, logger);
    }

    /// <summary>True when <paramref name="folder"/> holds an instance bank.</summary>
    /// <param name="folder">The folder to look at.</param>
    /// <returns>Whether it has a bank summary or a manifest folder.</returns>
    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, BankManifest.SummaryFileName)) || Directory.Exists(Path.Combine(folder, BankManifest.FolderName));

    /// <summary>
    /// Reads a bank's per-category counts from its summary file without reading the manifest; falls back to reading
    /// the manifest when the summary is missing or older than the last commit (after a crash between the two writes).
    /// </summary>
    /// <param name="folder">The bank folder.</param>
    /// <returns>The counts.</returns>
    public static BankSummary ReadSummary(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        RequireBank(folder);
        var cached = BankManifest.TryReadSummary(Path.Combine(folder, BankManifest.SummaryFileName));
        var segments = BankManifest.ListSegments(Path.Combine(folder, BankManifest.FolderName));
        long last = segments.Count == 0 ? 0 : segments[^1].Sequence;
        if (cached is { } summary && summary.LastSegment == last)
        {
            return summary.Summary;
        }

        using InstanceBank bank = Open(folder);
        return bank.Summary;
    }

    /// <summary>Looks an instance up by id.</summary>
    /// <param name="id">The instance id.</param>
    /// <param name="instance">The instance when found.</param>
    /// <returns>Whether the bank holds it.</returns>
    public bool TryGetInstance(string id, [NotNullWhen(true)] out BankInstance? instance)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out instance);
        }
    }

    /// <summary>True when an instance made from <paramref name="source"/> is in the bank (committed or pending).</summary>
    /// <param name="source">The source key (see <see cref="BankInstance.Source"/>).</param>
    /// <returns>Whether it is there.</returns>
    public bool ContainsSource(string source)
    {
        lock (_gate)
        {
            return _sources.Contains(source);
        }
    }

    /// <summary>True when <paramref name="source"/> was recorded as processed without an instance (<see cref="Reject"/>).</summary>
    /// <param name="source">The source key.</param>
    /// <returns>Whether it was rejected.</returns>
    public bool IsRejected(string source)
    {
        lock (_gate)
        {
            return _rejections.ContainsKey(source);
        }
    }

    /// <summary>True when <paramref name="source"/> needs no more work: it gave an instance or was rejected. A resumed run skips these.</summary>
    /// <param name="source">The source key.</param>
    /// <returns>Whether it was processed.</returns>
    public bool IsProcessed(string source)
    {
        lock (_gate)
        {
            return _sources.Contains(source) || _rejections.ContainsKey(source);
        }
    }

    /// <summary>The full path of an instance's PNG, checked to lie inside the bank folder.</summary>
    /// <param name="instance">An instance of this bank.</param>
    /// <returns>The path.</returns>
    public string GetFullPath(BankInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return SafePath.Resolve(Folder, instance.File, $"{Folder} instance '{instance.Id}'");
    }

    /// <summary>Loads an instance's pixels.</summary>
    /// <param name="instance">An instance of this bank.</param>
    /// <param name="verifyHash">
    /// Check the file's SHA-256 against <see cref="BankInstance.ContentHash"/> (default true: a cut-out changed or
    /// corrupted on disk is refused rather than pasted; the hash costs less than decoding the PNG).
    /// </param>
    /// <returns>A CPU <c>uint8</c> <c>[4,H,W]</c> RGBA tensor; the caller owns it.</returns>
    /// <exception cref="InvalidBankException">The PNG is missing, or its size (or hash) differs from the manifest.</exception>
    /// <exception cref="InvalidImageException">The PNG cannot be decoded.</exception>
    public Tensor LoadImage(BankInstance instance, bool verifyHash = true)
    {
        string path = GetFullPath(instance);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidBankException(path, $"missing; the manifest lists it for instance '{instance.Id}'", ex);
        }

        if (verifyHash)
        {
            string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(hash, instance.ContentHash, StringComparison.Ordinal))
            {
                throw new InvalidBankException(path, $"its bytes changed since it was added: SHA-256 {hash} differs from the manifest's {instance.ContentHash} for instance '{instance.Id}' (xpaste bank verify lists every such file)");
            }
        }

        Tensor image = ImageIO.Decode(bytes, path, new ImageLoadOptions { Channels = ImageChannels.Rgba, ApplyOrientation = false });
        if (image.shape[1] != instance.Height || image.shape[2] != instance.Width)
        {
            long h = image.shape[1], w = image.shape[2];
            image.Dispose();
            throw new InvalidBankException(path, $"is {w}x{h} but the manifest says {instance.Width}x{instance.Height} for instance '{instance.Id}'");
        }

        return image;
    }

    /// <summary>
    /// Adds one cut-out: its PNG is written now, its manifest entry is committed with the next commit
    /// (automatically every <see cref="BankOptions.CommitEvery"/> entries, on <see cref="Flush"/>, or on dispose).
    /// Adding the same pixels from the same source again returns the existing instance.
    /// </summary>
    /// <param name="rgba"><c>uint8</c> <c>[4,H,W]</c> RGBA cut-out, on any device; not disposed by the bank.</param>
    /// <param name="category">The category it shows.</param>
    /// <param name="source">The stable key of what it was made from (see <see cref="BankInstance.Source"/>).</param>
    /// <param name="extractor">What made the mask.</param>
    /// <param name="clipScore">The zero-shot filter's score, or null.</param>
    /// <param name="origin">Where the pixels came from in human terms, or null.</param>
    /// <returns>The instance.</returns>
    /// <exception cref="ArgumentException">The cut-out is not uint8 [4,H,W], or <paramref name="category"/>'s id has another
    /// name in this bank (also when another thread registered that name while this one was encoding).</exception>
    public BankInstance Add(Tensor rgba, CategoryInfo category, string source, string extractor, float? clipScore = null, string? origin = null) =>
        AddCore([new BankCutout(rgba, category, source, extractor, clipScore, origin)], commit: false)[0];

    /// <summary>
    /// Adds a batch of cut-outs, encoding them in parallel, and commits them (with anything pending) as one manifest
    /// segment: after a crash either the whole batch is there or none of it.
    /// </summary>
    /// <param name="cutouts">The cut-outs; their tensors are not disposed by the bank.</param>
    /// <returns>One instance per cut-out, in order.</returns>
    /// <exception cref="ArgumentException">A cut-out is invalid or names a category id with another name than the bank (or
    /// the batch) has; then none of the batch is added.</exception>
    public IReadOnlyList<BankInstance> AddRange(IReadOnlyList<BankCutout> cutouts)
    {
        ArgumentNullException.ThrowIfNull(cutouts);
        return AddCore(cutouts, commit: true);
    }

    /// <summary>
    /// Records that <paramref name="source"/> was processed and gave no instance, so a resumed run skips it.
    /// Committed like <see cref="Add"/>. Recording a source twice keeps the first record.
    /// </summary>
    /// <param name="source">The source key.</param>
    /// <param name="reason">Why, in a few words (e.g. <c>empty mask</c>, <c>clip 17.3 &lt; 21</c>).</param>
    /// <param name="extractor">The extractor involved, if any.</param>
    public void Reject(string source, string reason, string? extractor = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_gate)
        {
            ThrowIfNotWritable();
            if (_rejections.ContainsKey(source))
            {
                return;
            }

            var rejection = new BankRejection(source, reason, extractor);
            _rejections.Add(source, rejection);
            _rejectionOrder.Add(rejection);
            _pendingRejections.Add(rejection);
            if (_pendingInstances.Count + _pendingRejections.Count >= _options.CommitEvery)
            {
                CommitLocked();
            }
        }
    }

    /// <summary>Commits pending additions and rejections as one manifest segment and updates the summary.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfNotWritable();
            CommitLocked();
        }
    }

    /// <summary>
    /// Merges all manifest segments into one. Safe to interrupt: the merged segment is committed before the old ones
    /// are deleted, and reading skips the duplicates an interruption leaves.
    /// </summary>
    public void Compact()
    {
        lock (_gate)
        {
            ThrowIfNotWritable();
            CompactLocked();
        }
    }

    /// <summary>For a writer: commits what is pending, merges the segments (<see cref="BankOptions.CompactOnDispose"/>) and releases the lock.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_lock is null)
            {
                return;
            }

            try
            {
                CommitLocked();
                if (_options.CompactOnDispose && _segmentCount > 1)
                {
                    CompactLocked();
                }
            }
            finally
            {
                _lock.Dispose();
                _lock = null;
            }
        }
    }

    internal static string InstanceId(string source, string extractor, int categoryId, string contentHash)
    {
        string key = string.Join(KeySeparator, source, extractor, categoryId.ToString(CultureInfo.InvariantCulture), contentHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
    }

    private static InstanceBank OpenForWriting(string folder, BankOptions? options, ILogger? logger)
    {
        options ??= BankOptions.Default;
        options.Validate();
        if (Directory.Exists(folder) && !Exists(folder)
            && Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) is not (BankLock.FileName or BankLock.OwnerFileName)))
        {
            // Opening would create images/ and tidy it: never do that to a folder that holds someone else's files.
            throw new InvalidBankException(folder, "holds files but no instance bank; give a new or empty folder for a new bank");
        }

        Directory.CreateDirectory(folder);
        BankLock writerLock = BankLock.Acquire(folder);
        var bank = new InstanceBank(folder, options, logger ?? NullLogger.Instance, writerLock);
        try
        {
            Directory.CreateDirectory(bank._manifestFolder);
            Directory.CreateDirectory(Path.Combine(bank.Folder, ImagesFolderName));
            bank.Load();
            if (options.RemoveOrphans)
            {
                bank.RemoveOrphans();
            }

            lock (bank._gate)
            {
                if (bank._segmentCount > options.MaxSegments)
                {
                    bank.CompactLocked();
                }

                bank.WriteSummaryLocked();
            }

            return bank;
        }
        catch
        {
            writerLock.Dispose();
            throw;
        }
    }

    private static void RequireBank(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidBankException(folder, "folder not found");
        }

        if (!Exists(folder))
        {
            throw new InvalidBankException(folder, $"not an instance bank (no {BankManifest.SummaryFileName} and no {BankManifest.FolderName}/ folder)");
        }
    }

    private void Load()
    {
        // A reader racing a compaction may find a segment gone between listing and reading it: list again.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                LoadOnce();
                return;
            }
            catch (FileNotFoundException) when (attempt < 3)
            {
                _instances.Clear();
                _byId.Clear();
                _sources.Clear();
                _rejections.Clear();
                _rejectionOrder.Clear();
                _categoryNames.Clear();
            }
        }
    }

    private void LoadOnce()
    {
        var segments = BankManifest.ListSegments(_manifestFolder);
        int duplicates = 0;
        foreach ((long _, string path) in segments)
        {
            var (instances, rejections) = BankManifest.ReadSegment(path, Folder);
            foreach (BankInstance instance in instances)
            {
                if (_byId.TryGetValue(instance.Id, out BankInstance? seen))
                {
                    duplicates++;
                    if (seen != instance)
                    {
                        BankLog.ConflictingDuplicate(_logger, path, instance.Id);
                    }

                    continue;
                }

                if (_categoryNames.TryGetValue(instance.CategoryId, out string? name) && !string.Equals(name, instance.CategoryName, StringComparison.Ordinal))
                {
                    throw new InvalidBankException(path,
                        $"instance '{instance.Id}': category {instance.CategoryId} is named '{instance.CategoryName}' here but '{name}' in an earlier entry");
                }

                RegisterLocked(instance);
            }

            foreach (BankRejection rejection in rejections)
            {
                if (_rejections.TryAdd(rejection.Source, rejection))
                {
                    _rejectionOrder.Add(rejection);
                }
            }
        }

        _segmentCount = segments.Count;
        _lastSegment = segments.Count == 0 ? 0 : segments[^1].Sequence;
        BankLog.Opened(_logger, Folder, _instances.Count, _rejectionOrder.Count, segments.Count, duplicates);
    }

    private void RemoveOrphans()
    {
        var referenced = new HashSet<string>(_instances.Select(GetFullPath), OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        int removed = 0;
        foreach (string folder in new[] { Folder, _manifestFolder })
        {
            foreach (string file in Directory.EnumerateFiles(folder).Where(AtomicFile.IsTemporary))
            {
                removed += TryDelete(file) ? 1 : 0;
            }
        }

        string images = Path.Combine(Folder, ImagesFolderName);
        foreach (string file in Directory.EnumerateFiles(images, "*", SearchOption.AllDirectories))
        {
            bool orphan = AtomicFile.IsTemporary(file)
                || (file.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !referenced.Contains(Path.GetFullPath(file)));
            if (orphan)
            {
                removed += TryDelete(file) ? 1 : 0;
            }
        }

        if (removed > 0)
        {
            BankLog.OrphansRemoved(_logger, Folder, removed);
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private BankInstance[] AddCore(IReadOnlyList<BankCutout> cutouts, bool commit)
    {
        for (int i = 0; i < cutouts.Count; i++)
        {
            Validate(cutouts[i], cutouts.Count == 1 ? "rgba" : $"cutouts[{i}]");
        }

        // Fail fast before encoding; checked again below, when the instances are registered.
        lock (_gate)
        {
            ThrowIfNotWritable();
            CheckCategories(cutouts);
        }

        // Encoding dominates; it runs outside the lock, in parallel for batches.
        var encoded = new BankInstance[cutouts.Count];
        void EncodeOne(int i)
        {
            BankCutout cutout = cutouts[i];
            byte[] png = ImageIO.EncodePng(cutout.Rgba);
            string hash = Convert.ToHexStringLower(SHA256.HashData(png));
            string id = InstanceId(cutout.Source, cutout.Extractor, cutout.Category.Id, hash);
            var instance = new BankInstance
            {
                Id = id,
                CategoryId = cutout.Category.Id,
                CategoryName = cutout.Category.Name,
                File = string.Create(CultureInfo.InvariantCulture, $"{ImagesFolderName}/{cutout.Category.Id}/{id}.png"),
                Source = cutout.Source,
                Origin = cutout.Origin,
                Extractor = cutout.Extractor,
                ClipScore = cutout.ClipScore,
                RunnerUpScores = cutout.RunnerUpScores is { Count: > 0 } runnersUp ? new Dictionary<string, float>(runnersUp, StringComparer.Ordinal) : null,
                Width = (int)cutout.Rgba.shape[2],
                Height = (int)cutout.Rgba.shape[1],
                ContentHash = hash,
            };
            if (!TryGetInstance(id, out _))
            {
                AtomicFile.WriteAllBytes(Path.Combine(Folder, ImagesFolderName, cutout.Category.Id.ToString(CultureInfo.InvariantCulture), id + ".png"), png);
            }

            encoded[i] = instance;
        }

        if (cutouts.Count == 1 || _options.EncodeParallelism == 1)
        {
            for (int i = 0; i < cutouts.Count; i++)
            {
                EncodeOne(i);
            }
        }
        else
        {
            try
            {
                Parallel.For(0, cutouts.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.EncodeParallelism }, EncodeOne);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
                throw;
            }
        }

        lock (_gate)
        {
            ThrowIfNotWritable();
            // Again: another thread may have registered one of these categories under another name while the lock was
            // released for encoding. The loser's PNGs stay unlisted and are removed as orphans on the next open.
            CheckCategories(cutouts);
            var result = new BankInstance[encoded.Length];
            for (int i = 0; i < encoded.Length; i++)
            {
                if (_byId.TryGetValue(encoded[i].Id, out BankInstance? existing))
                {
                    result[i] = existing;
                    continue;
                }

                RegisterLocked(encoded[i]);
                _pendingInstances.Add(encoded[i]);
                result[i] = encoded[i];
            }

            if (commit || _pendingInstances.Count + _pendingRejections.Count >= _options.CommitEvery)
            {
                CommitLocked();
            }

            return result;
        }
    }

    private static void Validate(BankCutout cutout, string name)
    {
        if (cutout is null)
        {
            throw new ArgumentNullException(name);
        }

        Tensor rgba = cutout.Rgba ?? throw new ArgumentException("the cut-out has no pixels", name);
        if (rgba.dtype != ScalarType.Byte || rgba.dim() != 3 || rgba.shape[0] != 4 || rgba.shape[1] < 1 || rgba.shape[2] < 1)
        {
            throw new ArgumentException($"expected a non-empty uint8 [4,H,W] RGBA cut-out, got {rgba.dtype} [{string.Join(",", rgba.shape)}]", name);
        }

        if (cutout.Category is null || string.IsNullOrEmpty(cutout.Category.Name))
        {
            throw new ArgumentException("the category must have a name", name);
        }

        if (string.IsNullOrEmpty(cutout.Source) || string.IsNullOrEmpty(cutout.Extractor))
        {
            throw new ArgumentException("source and extractor must be non-empty", name);
        }

        if (cutout.ClipScore is float score && !float.IsFinite(score))
        {
            throw new ArgumentException($"the CLIP score must be finite, got {score}", name);
        }

        if (cutout.RunnerUpScores is { } runnersUp && runnersUp.Any(p => string.IsNullOrEmpty(p.Key) || !float.IsFinite(p.Value)))
        {
            throw new ArgumentException("runner-up scores need extractor names and finite scores", name);
        }
    }

    private void CheckCategories(IReadOnlyList<BankCutout> cutouts)
    {
        var batch = new Dictionary<int, string>();
        foreach (BankCutout cutout in cutouts)
        {
            CategoryInfo category = cutout.Category;
            string? known = _categoryNames.TryGetValue(category.Id, out string? inBank) ? inBank
                : batch.TryGetValue(category.Id, out string? inBatch) ? inBatch : null;
            if (known is not null && !string.Equals(known, category.Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"category {category.Id} is '{known}' in this bank, not '{category.Name}'", nameof(cutouts));
            }

            batch[category.Id] = category.Name;
        }
    }

    private void RegisterLocked(BankInstance instance)
    {
        _instances.Add(instance);
        _byId.Add(instance.Id, instance);
        _sources.Add(instance.Source);
        _categoryNames[instance.CategoryId] = instance.CategoryName;
        _instancesView = null;
        _byCategoryView = null;
    }

    private IReadOnlyDictionary<int, IReadOnlyList<BankInstance>> ByCategoryUnlocked() =>
        _byCategoryView ??= _instances
            .GroupBy(i => i.CategoryId)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<BankInstance>)g.ToArray());

    private BankSummary SummaryUnlocked()
    {
        var categories = ByCategoryUnlocked()
            .Select(p => new BankCategoryCount(p.Key, _categoryNames[p.Key], p.Value.Count))
            .OrderBy(c => c.Id)
            .ToArray();
        return new BankSummary(_instances.Count, _rejectionOrder.Count, categories);
    }

    private void CommitLocked()
    {
        if (_pendingInstances.Count == 0 && _pendingRejections.Count == 0)
        {
            return;
        }

        long sequence = _lastSegment + 1;
        string path = BankManifest.SegmentPath(_manifestFolder, sequence);
        AtomicFile.WriteAllBytes(path, BankManifest.SerializeSegment(_pendingInstances, _pendingRejections));
        _lastSegment = sequence;
        _segmentCount++;
        BankLog.Committed(_logger, path, _pendingInstances.Count, _pendingRejections.Count);

        _pendingInstances.Clear();
        _pendingRejections.Clear();
        WriteSummaryLocked();
        if (_segmentCount > _options.MaxSegments)
        {
            CompactLocked();
        }
    }

    private void CompactLocked()
    {
        CommitLocked();
        var old = BankManifest.ListSegments(_manifestFolder);
        if (old.Count <= 1)
        {
            return;
        }

        long sequence = _lastSegment + 1;
        string merged = BankManifest.SegmentPath(_manifestFolder, sequence);
        AtomicFile.WriteAllBytes(merged, BankManifest.SerializeSegment(_instances, _rejectionOrder));
        _lastSegment = sequence;
        foreach ((long _, string path) in old)
        {
            File.Delete(path);
        }

        _segmentCount = 1;
        WriteSummaryLocked();
        BankLog.Compacted(_logger, Folder, old.Count, merged);
    }

    private void WriteSummaryLocked() =>
        AtomicFile.WriteAllBytes(Path.Combine(Folder, BankManifest.SummaryFileName), BankManifest.SerializeSummary(SummaryUnlocked(), _lastSegment));

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_lock is null)
        {
            throw new InvalidOperationException($"{Folder}: the bank was opened read-only (InstanceBank.Open); use OpenOrCreate to write");
        }
    }
}
