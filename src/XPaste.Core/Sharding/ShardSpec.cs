using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace XPaste.Sharding;

/// <summary>
/// One worker's share of a run split into <see cref="Count"/> shards: shard <see cref="Index"/> (0-based) takes the
/// categories whose stable hash falls on it. The shard of a category is a pure function of its name and the shard
/// count, so every worker of a Kubernetes Indexed Job or a Slurm array runs the same command line and the shards are
/// disjoint by construction.
/// </summary>
public sealed record ShardSpec
{
    /// <summary>The whole run as one shard.</summary>
    public static ShardSpec Whole { get; } = new(0, 1);

    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">The 0-based shard index, below <paramref name="count"/>.</param>
    /// <param name="count">How many shards the run has, at least 1.</param>
    /// <exception cref="InvalidInputException">The index is negative or not below the count, or the count is below 1.</exception>
    public ShardSpec(int index, int count)
    {
        if (count < 1)
        {
            throw new InvalidInputException("shard", $"the shard count must be at least 1 (got {count})");
        }

        if (index < 0 || index >= count)
        {
            throw new InvalidInputException("shard", $"shard index {index} is outside 0..{count - 1} (K must be below N in K/N)");
        }

        Index = index;
        Count = count;
    }

    /// <summary>The 0-based shard index.</summary>
    public int Index { get; }

    /// <summary>How many shards the run has.</summary>
    public int Count { get; }

    /// <summary>True when the run is not split.</summary>
    public bool IsSingle => Count == 1;

    /// <summary>The folder name of this shard's own output, <c>shard-{K}-of-{N}</c>.</summary>
    public string FolderName => string.Create(CultureInfo.InvariantCulture, $"shard-{Index}-of-{Count}");

    /// <summary>Parses <c>K/N</c> (e.g. <c>2/8</c>).</summary>
    /// <param name="text">The text, as a user typed it.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="InvalidInputException">The text is not <c>K/N</c> with 0 &lt;= K &lt; N.</exception>
    public static ShardSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            throw new InvalidInputException("--shard", $"'{text}' is not K/N (the 0-based shard index and the shard count, e.g. 0/4)");
        }

        if (count < 1 || index >= count)
        {
            throw new InvalidInputException("--shard", $"'{text}': K must be below N and N at least 1");
        }

        return new ShardSpec(index, count);
    }

    /// <summary>
    /// The shard the environment gives a worker: Kubernetes Indexed Jobs set <c>JOB_COMPLETION_INDEX</c> (the count
    /// comes from <paramref name="count"/>, i.e. <c>--shards N</c>); Slurm job arrays set <c>SLURM_ARRAY_TASK_ID</c> and
    /// <c>SLURM_ARRAY_TASK_COUNT</c> (with <c>SLURM_ARRAY_TASK_MIN</c> subtracted, so arrays may start at 1).
    /// </summary>
    /// <param name="count">The shard count for an Indexed Job (required there), or null.</param>
    /// <param name="environment">Reads a variable; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <returns>The shard, or null when neither engine's variables are set.</returns>
    /// <exception cref="InvalidInputException">A variable is malformed or out of range, an Indexed Job's count is missing,
    /// or <paramref name="count"/> disagrees with <c>SLURM_ARRAY_TASK_COUNT</c>.</exception>
    public static ShardSpec? FromEnvironment(int? count = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? jobIndex = environment("JOB_COMPLETION_INDEX");
        if (!string.IsNullOrEmpty(jobIndex))
        {
            int index = ParseVariable("JOB_COMPLETION_INDEX", jobIndex);
            if (count is null)
            {
                throw new InvalidInputException("--shards", "JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job): give the job's completions as --shards N");
            }

            return index < count.Value ? new ShardSpec(index, count.Value)
                : throw new InvalidInputException("JOB_COMPLETION_INDEX", $"{index} is not below --shards {count.Value}");
        }

        string? taskId = environment("SLURM_ARRAY_TASK_ID");
        if (!string.IsNullOrEmpty(taskId))
        {
            int id = ParseVariable("SLURM_ARRAY_TASK_ID", taskId);
            string? min = environment("SLURM_ARRAY_TASK_MIN");
            int first = string.IsNullOrEmpty(min) ? 0 : ParseVariable("SLURM_ARRAY_TASK_MIN", min);
            string? taskCount = environment("SLURM_ARRAY_TASK_COUNT");
            int n = !string.IsNullOrEmpty(taskCount) ? ParseVariable("SLURM_ARRAY_TASK_COUNT", taskCount)
                : count ?? throw new InvalidInputException("SLURM_ARRAY_TASK_COUNT", "not set; give the array size as --shards N");
            if (count is not null && count != n)
            {
                // Running as shard K/4 of a run meant as 8 shards would silently skip half the categories.
                throw new InvalidInputException("--shards", $"--shards {count} disagrees with SLURM_ARRAY_TASK_COUNT={n}; give the array size, or leave out --shards");
            }

            if (id - first < 0 || id - first >= n)
            {
                throw new InvalidInputException("SLURM_ARRAY_TASK_ID",
                    $"{id} (minus SLURM_ARRAY_TASK_MIN={first}) is outside 0..{n - 1} (SLURM_ARRAY_TASK_COUNT={n})");
            }

            return new ShardSpec(id - first, n);
        }

        return count is null or 1 ? null : throw new InvalidInputException("--shards",
            $"--shards {count} needs a worker index: --shard K/{count}, JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)");
    }

    /// <summary>The shard a category belongs to among <paramref name="count"/> shards.</summary>
    /// <param name="categoryName">The category name, as the dataset writes it.</param>
    /// <param name="count">The shard count.</param>
    /// <returns>The 0-based shard index.</returns>
    public static int ShardOf(string categoryName, int count)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // SHA-256 rather than string.GetHashCode: the same on every machine, runtime and process.
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(categoryName), hash);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        return (int)(value % (ulong)count);
    }

    /// <summary>True when this shard takes the category named <paramref name="categoryName"/>.</summary>
    /// <param name="categoryName">The category name.</param>
    /// <returns>Whether it is this shard's.</returns>
    public bool Contains(string categoryName) => ShardOf(categoryName, Count) == Index;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static int ParseVariable(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new InvalidInputException(name, $"'{value}' is not a non-negative whole number");
}
