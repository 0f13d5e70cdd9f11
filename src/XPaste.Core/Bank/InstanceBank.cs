using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;
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
/// any number of readers (<see cref="Open"/>, an <see cref="InstanceBankReader"/>, which has no members that write) take
/// no lock. Members of a writer are thread-safe.
/// </para>
/// </remarks>
public sealed partial class InstanceBank : InstanceBankReader
{
    private const string KeySeparator = "\n";

    private readonly BankOptions _options;
    private readonly List<BankInstance> _pendingInstances = [];
    private readonly List<BankRejection> _pendingRejections = [];
    private BankLock? _lock;

    private InstanceBank(string folder, BankOptions options, ILogger logger, BankLock writerLock)
        : base(folder, logger)
    {
        _options = options;
        _lock = writerLock;
    }

    /// <summary>False until the writer is disposed (its lock released).</summary>
    public override bool IsReadOnly => _lock is null;

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

    /// <summary>Opens an existing bank for reading. Takes no lock: readers may run beside the writer.</summary>
    /// <param name="folder">The bank folder.</param>
    /// <param name="logger">Receives diagnostics; none when null.</param>
    /// <returns>The bank, as a reader: it has no members that write.</returns>
    /// <exception cref="InvalidBankException">The folder is not a bank, or a manifest segment is corrupt or lists a path outside the bank.</exception>
    public static InstanceBankReader Open(string folder, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        RequireBank(folder);
        var bank = new InstanceBankReader(folder, logger ?? NullLogger.Instance);
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

        using InstanceBankReader bank = Open(folder);
        return bank.Summary;
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
        AddCore([new NewBankInstance(rgba, category, source, extractor, clipScore, origin)], commit: false)[0];

    /// <summary>
    /// Adds a batch of cut-outs, encoding them in parallel, and commits them (with anything pending) as one manifest
    /// segment: after a crash either the whole batch is there or none of it.
    /// </summary>
    /// <param name="cutouts">The cut-outs; their tensors are not disposed by the bank.</param>
    /// <returns>One instance per cut-out, in order.</returns>
    /// <exception cref="ArgumentException">A cut-out is invalid or names a category id with another name than the bank (or
    /// the batch) has; then none of the batch is added.</exception>
    public IReadOnlyList<BankInstance> AddRange(IReadOnlyList<NewBankInstance> cutouts)
    {
        ArgumentNullException.ThrowIfNull(cutouts);
        return AddCore(cutouts, commit: true);
    }

    /// <summary>
    /// Records that <see cref="BankRejection.Source"/> was processed and gave no instance, so a resumed run skips it.
    /// Committed like <see cref="Add"/>. Recording a source twice keeps the first record.
    /// </summary>
    /// <param name="rejection">The source, its category, the cause and the numbers.</param>
    public void Reject(BankRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        ArgumentException.ThrowIfNullOrEmpty(rejection.Source, nameof(rejection));
        lock (_gate)
        {
            ThrowIfNotWritable();
            if (_rejections.ContainsKey(rejection.Source))
            {
                return;
            }

            _rejections.Add(rejection.Source, rejection);
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

    /// <summary>Commits what is pending, merges the segments (<see cref="BankOptions.CompactOnDispose"/>) and releases the lock.</summary>
    /// <param name="disposing">True when called from <see cref="InstanceBankReader.Dispose()"/>.</param>
    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            try
            {
                if (!_disposed && _lock is not null)
                {
                    CommitLocked();
                    if (_options.CompactOnDispose && _segmentCount > 1)
                    {
                        CompactLocked();
                    }
                }
            }
            finally
            {
                _lock?.Dispose();
                _lock = null;
                base.Dispose(disposing);
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
            && Directory.EnumerateFileSystemEntries(folder).Any(e => !IsWriterLeftover(e)))
        {
            // Opening would create images/ and tidy it: never do that to a folder that holds someone else's files.
            // A writer killed while taking the lock leaves only lock files and a temporary owner note: ours, not theirs.
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

    private static bool IsWriterLeftover(string entry) =>
        Path.GetFileName(entry) is BankLock.FileName or BankLock.OwnerFileName
        || (AtomicFile.IsTemporary(entry) && Path.GetFileName(entry).StartsWith(".tmp-" + BankLock.OwnerFileName + "-", StringComparison.Ordinal));

    private void RemoveOrphans()
    {
        var referenced = new HashSet<string>(_instances.Select(GetFullPath), OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        int removed = 0;
        foreach (string folder in new[] { Folder, _manifestFolder })
        {
            foreach (string file in Directory.EnumerateFiles(folder).Where(AtomicFile.IsTemporary))
            {
                removed += FileCleanup.TryDelete(file) ? 1 : 0;
            }
        }

        string images = Path.Combine(Folder, ImagesFolderName);
        foreach (string file in Directory.EnumerateFiles(images, "*", SearchOption.AllDirectories))
        {
            bool orphan = AtomicFile.IsTemporary(file)
                || (file.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !referenced.Contains(Path.GetFullPath(file)));
            if (orphan)
            {
                removed += FileCleanup.TryDelete(file) ? 1 : 0;
            }
        }

        if (removed > 0)
        {
            BankLog.OrphansRemoved(_logger, Folder, removed);
        }
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

    private void ThrowIfNotWritable() => ObjectDisposedException.ThrowIf(_disposed, this);
}
