using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace XPaste.Sharding;

/// <summary>
/// One shard K of N (0-based) of a job split by category: each category belongs to exactly one shard, chosen by a
/// stable hash of its name, so every stage (crawl, generation, extraction) run as <c>--shard K/N</c> on several
/// machines touches disjoint category folders and needs no coordination.
/// </summary>
/// <remarks>
/// The shard of a category is the first 8 bytes of SHA-256 of its UTF-8 name, read big-endian, modulo N: a pure
/// function of (name, N), the same on every machine, process and .NET version (unlike <see cref="string.GetHashCode()"/>).
/// </remarks>
public readonly record struct ShardSpec
{
    /// <summary>The whole job as a single shard (0/1).</summary>
    public static ShardSpec All { get; } = new(0, 1);

    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">K, 0-based.</param>
    /// <param name="count">N, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">N &lt; 1, K &lt; 0 or K &gt;= N.</exception>
    public ShardSpec(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        Index = index;
        Count = count;
    }

    /// <summary>K: this shard's 0-based index.</summary>
    public int Index { get; }

    /// <summary>N: the number of shards.</summary>
    public int Count { get; }

    /// <summary>Whether this is the only shard (N = 1).</summary>
    public bool IsAll => Count == 1;

    /// <summary>Parses <c>"K/N"</c>, for example <c>"3/8"</c>.</summary>
    /// <param name="text">The shard as written on a command line.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="InvalidInputException">Not of the form K/N with 0 &lt;= K &lt; N.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out ShardSpec shard, out string? problem))
        {
            throw new InvalidInputException(text, problem);
        }

        return shard;
    }

    /// <summary>Parses <c>"K/N"</c> without throwing.</summary>
    /// <param name="text">The shard as written.</param>
    /// <param name="shard">The shard when the text is valid.</param>
    /// <returns>Whether the text is a valid shard.</returns>
    public static bool TryParse(string? text, out ShardSpec shard) => TryParse(text, out shard, out _);

    /// <summary>
    /// The shard a batch scheduler assigns to this process: Kubernetes indexed jobs (<c>JOB_COMPLETION_INDEX</c>, with
    /// <paramref name="count"/> as N) or a Slurm array (<c>SLURM_ARRAY_TASK_ID</c> and <c>SLURM_ARRAY_TASK_COUNT</c>,
    /// or <paramref name="count"/> when the count is not set). Null when neither is set.
    /// </summary>
    /// <param name="count">N for schedulers that do not tell it (Kubernetes: the job's completions).</param>
    /// <param name="environment">Reads a variable; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <returns>The shard, or null outside such a job.</returns>
    /// <exception cref="InvalidInputException">A variable is set but not a valid index or count.</exception>
    public static ShardSpec? FromEnvironment(int? count = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? k8s = environment("JOB_COMPLETION_INDEX");
        if (!string.IsNullOrWhiteSpace(k8s))
        {
            if (count is null)
            {
                throw new InvalidInputException("JOB_COMPLETION_INDEX", "is set, but the shard count N was not given (pass the job's completions)");
            }

            return FromParts("JOB_COMPLETION_INDEX", k8s, count.Value.ToString(CultureInfo.InvariantCulture));
        }

        string? slurm = environment("SLURM_ARRAY_TASK_ID");
        if (!string.IsNullOrWhiteSpace(slurm))
        {
            string? slurmCount = environment("SLURM_ARRAY_TASK_COUNT");
            if (string.IsNullOrWhiteSpace(slurmCount))
            {
                slurmCount = count?.ToString(CultureInfo.InvariantCulture)
                    ?? throw new InvalidInputException("SLURM_ARRAY_TASK_ID", "is set, but neither SLURM_ARRAY_TASK_COUNT nor a shard count N is");
            }

            // Slurm arrays may start at any id; SLURM_ARRAY_TASK_MIN makes the index 0-based.
            string? min = environment("SLURM_ARRAY_TASK_MIN");
            if (!string.IsNullOrWhiteSpace(min) && int.TryParse(slurm, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                && int.TryParse(min, NumberStyles.None, CultureInfo.InvariantCulture, out int first))
            {
                slurm = (id - first).ToString(CultureInfo.InvariantCulture);
            }

            return FromParts("SLURM_ARRAY_TASK_ID", slurm, slurmCount);
        }

        return null;
    }

    /// <summary>The shard (0 to <paramref name="count"/> - 1) that category <paramref name="categoryName"/> belongs to.</summary>
    /// <param name="categoryName">The category's name, exactly as written (case and spaces matter).</param>
    /// <param name="count">N.</param>
    /// <returns>The category's shard index.</returns>
    public static int ShardOf(string categoryName, int count)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(categoryName), hash);
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(hash);
        return (int)(value % (ulong)count);
    }

    /// <summary>Whether category <paramref name="categoryName"/> belongs to this shard.</summary>
    /// <param name="categoryName">The category's name.</param>
    /// <returns>True when this shard handles the category.</returns>
    public bool Contains(string categoryName) => Count <= 1 || ShardOf(categoryName, Count) == Index;

    /// <summary>Writes the shard as <c>K/N</c>.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static ShardSpec FromParts(string input, string index, string count)
    {
        if (!TryParse($"{index.Trim()}/{count.Trim()}", out ShardSpec shard, out string? problem))
        {
            throw new InvalidInputException(input, problem);
        }

        return shard;
    }

    private static bool TryParse(string? text, out ShardSpec shard, out string problem)
    {
        shard = All;
        problem = "expected a shard K/N with 0 <= K < N, such as 0/4";
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !int.TryParse(text.AsSpan(0, slash).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(text.AsSpan(slash + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            return false;
        }

        if (n < 1)
        {
            problem = $"the shard count N must be at least 1, got {n}";
            return false;
        }

        if (k >= n)
        {
            problem = $"the shard index K must be below N (K is 0-based), got {k}/{n}";
            return false;
        }

        shard = new ShardSpec(k, n);
        return true;
    }
}
