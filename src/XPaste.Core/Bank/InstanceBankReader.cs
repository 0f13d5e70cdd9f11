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
/// Read access to an instance bank: its instances, categories and rejections, and their pixels. What
/// <see cref="InstanceBank.Open"/> returns (no lock; readers may run beside the writer); the writer,
/// <see cref="InstanceBank"/>, is one too. See <see cref="InstanceBank"/> for the layout.
/// </summary>
/// <remarks>Thread-safe. A reader sees the bank as it was when opened.</remarks>
public partial class InstanceBankReader : IDisposable
{
    /// <summary>The folder, under the bank folder, that holds the PNGs.</summary>
    public const string ImagesFolderName = "images";

    private protected readonly object _gate = new();
    private protected readonly ILogger _logger;
    private protected readonly string _manifestFolder;
    private protected readonly List<BankInstance> _instances = [];
    private protected readonly Dictionary<string, BankInstance> _byId = new(StringComparer.Ordinal);
    private protected readonly HashSet<string> _sources = new(StringComparer.Ordinal);
    private protected readonly Dictionary<string, BankRejection> _rejections = new(StringComparer.Ordinal);
    private protected readonly List<BankRejection> _rejectionOrder = [];
    private protected readonly Dictionary<int, string> _categoryNames = [];
    private protected long _lastSegment;
    private protected int _segmentCount;
    private protected bool _disposed;

    private protected IReadOnlyList<BankInstance>? _instancesView;
    private protected IReadOnlyDictionary<int, IReadOnlyList<BankInstance>>? _byCategoryView;

    internal InstanceBankReader(string folder, ILogger logger)
    {
        Folder = Path.GetFullPath(folder);
        _logger = logger;
        _manifestFolder = Path.Combine(Folder, BankManifest.FolderName);
    }

    /// <summary>The bank folder (full path).</summary>
    public string Folder { get; }

    /// <summary>True for a reader; false for a writer (<see cref="InstanceBank"/>) until it is disposed.</summary>
    public virtual bool IsReadOnly => true;

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

    /// <summary>True when <paramref name="source"/> was recorded as processed without an instance (<see cref="InstanceBank.Reject"/>).</summary>
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

    /// <summary>Releases the bank. For a writer, commits what is pending first (see <see cref="InstanceBank"/>).</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the bank; a writer commits and releases its lock here.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _disposed = true;
        }
    }

    private protected static void RequireBank(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidBankException(folder, "folder not found");
        }

        if (!InstanceBank.Exists(folder))
        {
            throw new InvalidBankException(folder, $"not an instance bank (no {BankManifest.SummaryFileName} and no {BankManifest.FolderName}/ folder)");
        }
    }

    internal void Load()
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

    private protected void RegisterLocked(BankInstance instance)
    {
        _instances.Add(instance);
        _byId.Add(instance.Id, instance);
        _sources.Add(instance.Source);
        _categoryNames[instance.CategoryId] = instance.CategoryName;
        _instancesView = null;
        _byCategoryView = null;
    }

    private protected IReadOnlyDictionary<int, IReadOnlyList<BankInstance>> ByCategoryUnlocked() =>
        _byCategoryView ??= _instances
            .GroupBy(i => i.CategoryId)
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<BankInstance>)g.ToArray());

    private protected BankSummary SummaryUnlocked()
    {
        var categories = ByCategoryUnlocked()
            .Select(p => new BankCategoryCount(p.Key, _categoryNames[p.Key], p.Value.Count))
            .OrderBy(c => c.Id)
            .ToArray();
        return new BankSummary(_instances.Count, _rejectionOrder.Count, categories);
    }
}
