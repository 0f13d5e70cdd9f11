using System.Globalization;
using XPaste.Imaging;

namespace XPaste.Crawl;

/// <summary>The settled URLs and, per category, the kept images' hashes and the next file number.</summary>
internal sealed class CrawlState
{
    private readonly HashSet<int> _settled = [];
    private readonly Dictionary<string, CategoryState> _categories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byReason = new(StringComparer.Ordinal);
    private readonly Dictionary<CrawlStatus, int> _byStatus = [];
    private readonly Dictionary<int, int> _attempts = [];
    private int _retrying;

    public int Done => _settled.Count;

    public int Kept { get; private set; }

    /// <summary>
    /// Rebuilds the state from a log, checking each record against the list it claims to come from. A URL may have
    /// several records (a failure retried by a later run); its last one counts. A URL whose last record is a failure
    /// <paramref name="options"/> retries (<see cref="ShouldRetry"/>) is not settled: the run fetches it again.
    /// </summary>
    public static CrawlState Restore(CrawlLog log, IReadOnlyList<CrawlItem> items, CrawlOptions options)
    {
        var byIndex = items.ToDictionary(i => i.Index);
        var state = new CrawlState();
        var last = new Dictionary<int, int>(); // URL index -> position of its last record
        int line = 0;
        foreach (CrawlRecord record in log.Records)
        {
            line++;
            if (!byIndex.TryGetValue(record.Index, out CrawlItem? item) || item.Url != record.Url || item.Category != record.Category)
            {
                throw new InvalidInputException($"{log.Path}: record {line}",
                    $"URL #{record.Index} ({record.Url}, {record.Category}) is not that entry of the URL list: the list or the shard changed since this crawl began; use a new output folder");
            }

            if (last.TryGetValue(record.Index, out int earlier) && log.Records[earlier].Status != CrawlStatus.Failed)
            {
                throw new InvalidInputException($"{log.Path}: record {line}", $"URL #{record.Index} is logged again after it was settled as {log.Records[earlier].Status}");
            }

            last[record.Index] = line - 1;
            state._attempts[record.Index] = Math.Max(state._attempts.GetValueOrDefault(record.Index) + 1, record.Attempt ?? 1);
        }

        // Transient failures are tried again only once every URL has been tried: a crawl that was interrupted resumes
        // exactly as if it had not been (same log, same files), and the rerun after it retries them.
        bool finished = byIndex.Keys.All(last.ContainsKey);

        // In log order, so kept images are numbered as they were stored.
        for (int i = 0; i < log.Records.Count; i++)
        {
            CrawlRecord record = log.Records[i];
            if (last[record.Index] != i)
            {
                continue;
            }

            if (ShouldRetry(record, state._attempts[record.Index], options, finished))
            {
                state._retrying++;
                continue;
            }

            state._settled.Add(record.Index);
            state.Record(record, countSettled: false);
        }

        return state;
    }

    /// <summary>
    /// Whether a run with <paramref name="options"/> fetches a URL again after <paramref name="attempts"/> tries ending in
    /// <paramref name="record"/>: any failure with <see cref="CrawlOptions.RetryFailed"/>; an address blocked by the
    /// safety policy when this run allows private addresses; a transient failure (<see cref="CrawlReasons.IsTransient"/>)
    /// while attempts are left, once the earlier crawl <paramref name="finished"/> (every URL tried). Never a kept,
    /// duplicate, filtered or opted-out URL.
    /// </summary>
    internal static bool ShouldRetry(CrawlRecord record, int attempts, CrawlOptions options, bool finished = true) =>
        record.Status == CrawlStatus.Failed && (options.RetryFailed
            || (record.Reason == CrawlReasons.BlockedAddress && options.AllowPrivateAddresses)
            || (finished && CrawlReasons.IsTransient(record.Reason) && attempts < options.MaxAttemptsPerUrl));

    /// <summary>URLs that earlier runs left failed and this run fetches again.</summary>
    public int Retrying => _retrying;

    /// <summary>The attempt number the next record of a URL gets.</summary>
    public int NextAttempt(int index) => _attempts.GetValueOrDefault(index) + 1;

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
