using System.Globalization;

namespace XPaste.Crawl;

/// <summary>The settled URLs and, per category, the kept images' hashes and the next file number.</summary>
internal sealed class CrawlState
{
    private readonly HashSet<int> _settled = [];
    private readonly Dictionary<string, CategoryState> _categories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byReason = new(StringComparer.Ordinal);
    private readonly Dictionary<CrawlStatus, int> _byStatus = [];

    public int Done => _settled.Count;

    public int Kept { get; private set; }

    /// <summary>Rebuilds the state from a log, checking each record against the list it claims to come from.</summary>
    public static CrawlState Restore(CrawlLog log, IReadOnlyList<CrawlItem> items)
    {
        var byIndex = items.ToDictionary(i => i.Index);
        var state = new CrawlState();
        int line = 0;
        foreach (CrawlRecord record in log.Records)
        {
            line++;
            if (!byIndex.TryGetValue(record.Index, out CrawlItem? item) || item.Url != record.Url || item.Category != record.Category)
            {
                throw new InvalidInputException($"{log.Path}: record {line}",
                    $"URL #{record.Index} ({record.Url}, {record.Category}) is not that entry of the URL list: the list or the shard changed since this crawl began; use a new output folder");
            }

            if (!state._settled.Add(record.Index))
            {
                throw new InvalidInputException($"{log.Path}: record {line}", $"URL #{record.Index} is logged twice");
            }

            state.Record(record, countSettled: false);
        }

        return state;
    }

    public bool IsSettled(int index) => _settled.Contains(index);

    public CategoryState Category(string name)
    {
        if (!_categories.TryGetValue(name, out CategoryState? category))
        {
            category = new CategoryState();
            _categories.Add(name, category);
        }

        return category;
    }

    public void Record(CrawlRecord record) => Record(record, countSettled: true);

    public CrawlProgress Progress(int total, TimeSpan elapsed, int resumed) =>
        new(total, Done, Kept, new Dictionary<string, int>(_byReason, StringComparer.Ordinal), elapsed, Done - resumed);

    public CrawlSummary Summary(int total, int resumed, TimeSpan elapsed, string logPath) =>
        new(total, Done, resumed, Kept, new Dictionary<CrawlStatus, int>(_byStatus), new Dictionary<string, int>(_byReason, StringComparer.Ordinal),
            _categories.Where(c => c.Value.NextNumber > 0).OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Value.NextNumber, StringComparer.Ordinal),
            elapsed, logPath);

    private void Record(CrawlRecord record, bool countSettled)
    {
        if (countSettled)
        {
            _settled.Add(record.Index);
        }

        _byStatus[record.Status] = _byStatus.GetValueOrDefault(record.Status) + 1;
        if (record.Status == CrawlStatus.Kept)
        {
            Kept++;
            if (record.File is not null)
            {
                ulong phash = record.PerceptualHash is { } hex ? ulong.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : 0;
                Category(record.Category).Add(record.File, record.Sha256 ?? "", phash);
            }
        }
        else if (record.Reason is not null)
        {
            _byReason[record.Reason] = _byReason.GetValueOrDefault(record.Reason) + 1;
        }
    }
}

/// <summary>One category's kept images: exact and perceptual hashes, and the next number k.</summary>
internal sealed class CategoryState
{
    private readonly Dictionary<string, string> _bySha = new(StringComparer.Ordinal);
    private readonly List<(ulong Hash, string File)> _hashes = [];

    public int NextNumber => _hashes.Count;

    public string? FindExact(string sha256) => _bySha.GetValueOrDefault(sha256);

    /// <summary>The kept image nearest to <paramref name="hash"/> within <paramref name="maxDistance"/> bits (the first on ties).</summary>
    public (string File, int Distance)? FindNear(ulong hash, int maxDistance)
    {
        (string File, int Distance)? best = null;
        foreach ((ulong other, string file) in _hashes)
        {
            int distance = PerceptualHash.Distance(hash, other);
            if (distance <= maxDistance && (best is null || distance < best.Value.Distance))
            {
                best = (file, distance);
            }
        }

        return best;
    }

    public void Add(string file, string sha256, ulong hash)
    {
        _bySha.TryAdd(sha256, file);
        _hashes.Add((hash, file));
    }
}
