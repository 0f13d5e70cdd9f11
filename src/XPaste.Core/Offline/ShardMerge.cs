using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Bank;
using static TorchSharp.torch;
using XPaste.IO;

namespace XPaste.Offline;

/// <summary>
/// Merges the shard banks of a sharded bank run (<c>{root}/shard-{K}-of-{N}/</c>, recorded in <c>{root}/runs/</c>) into
/// one bank: checks that all N shards are there, complete and made with the same settings; dedupes instances by content
/// hash; builds the result in a temporary sibling folder and renames it into place, so the output is either absent or
/// whole. An interrupted merge resumes from its temporary folder.
/// </summary>
public static partial class ShardMerge
{
    private const int Batch = 64;

    /// <summary>Merges the shards under <paramref name="root"/> into a new bank at <paramref name="output"/>.</summary>
    /// <param name="root">The bank run's output folder.</param>
    /// <param name="output">The merged bank's folder; must not exist or be empty.</param>
    /// <param name="allowPartial">Merge what is complete even when shards are missing or unfinished.</param>
    /// <param name="progress">Receives <c>merge</c> progress in instances.</param>
    /// <param name="logger">Receives notes; none when null.</param>
    /// <param name="cancellationToken">Stops between batches; the next merge resumes.</param>
    /// <returns>What was merged.</returns>
    /// <exception cref="IncompleteRunException">Shards are missing or unfinished (and <paramref name="allowPartial"/> is false).</exception>
    /// <exception cref="RunSettingsConflictException">Two shards were made with different settings.</exception>
    /// <exception cref="InvalidInputException">No run records under <paramref name="root"/>, mixed shard counts, or the output exists.</exception>
    public static ShardMergeResult Merge(string root, string output, bool allowPartial = false,
        IProgress<OperationProgress>? progress = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(output);
        logger ??= NullLogger.Instance;
        List<(string Path, RunManifest Manifest)> shards = ReadManifests(root);
        int count = shards[0].Manifest.ShardCount;
        CheckSettings(shards);

        var present = shards.Select(s => s.Manifest.ShardIndex).ToHashSet();
        int[] missing = [.. Enumerable.Range(0, count).Where(k => !present.Contains(k))];
        var unfinished = shards.Where(s => !s.Manifest.Complete).ToList();
        var complete = shards.Where(s => s.Manifest.Complete).OrderBy(s => s.Manifest.ShardIndex).ToList();
        if ((missing.Length > 0 || unfinished.Count > 0) && !allowPartial)
        {
            var done = complete.SelectMany(s => s.Manifest.Categories).ToHashSet(StringComparer.Ordinal);
            string[] lacking = [.. shards[0].Manifest.AllCategories.Where(c => !done.Contains(c))];
            throw new IncompleteRunException(root, missing, [.. unfinished.Select(s => s.Manifest.ShardIndex).Order()], lacking);
        }

        string full = Path.GetFullPath(output);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new InvalidInputException(output, "exists and is not empty; give a new folder for the merged bank");
        }

        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".merging");
        long total = 0;
        var banks = new List<InstanceBankReader>();
        try
        {
            foreach (var shard in complete)
            {
                InstanceBankReader bank = InstanceBank.Open(Path.Combine(root, shard.Manifest.Bank), logger);
                banks.Add(bank);
                total += bank.Count;
            }

            int added = 0, duplicates = 0, rejections = 0;
            long done = 0;
            progress?.Report(new OperationProgress("merge", 0, total, "instances"));
            using (InstanceBank merged = InstanceBank.OpenOrCreate(temp, new BankOptions { CommitEvery = 1 << 20 }, logger))
            {
                var hashes = merged.Instances.Select(i => i.ContentHash).ToHashSet(StringComparer.Ordinal);
                foreach (InstanceBankReader bank in banks)
                {
                    foreach (BankInstance[] chunk in bank.Instances.Chunk(Batch))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var fresh = chunk.Where(i => !merged.TryGetInstance(i.Id, out _) && hashes.Add(i.ContentHash)).ToList();
                        duplicates += chunk.Length - fresh.Count;
                        using (NewDisposeScope())
                        {
                            var cutouts = fresh.Select(i => new BankCutout(bank.LoadImage(i, verifyHash: true), i.Category, i.Source, i.Extractor, i.ClipScore, i.Origin)).ToList();
                            IReadOnlyList<BankInstance> result = merged.AddRange(cutouts);
                            for (int j = 0; j < result.Count; j++)
                            {
                                if (result[j].Id != fresh[j].Id)
                                {
                                    throw new InvalidBankException(bank.Folder, $"instance '{fresh[j].Id}' merged as '{result[j].Id}': its PNG does not re-encode to the same bytes");
                                }
                            }
                        }

                        added += fresh.Count;
                        done += chunk.Length;
                        progress?.Report(new OperationProgress("merge", done, total, "instances"));
                    }

                    foreach (BankRejection rejection in bank.Rejections)
                    {
                        merged.Reject(rejection.Source, rejection.Reason, rejection.Extractor);
                        rejections++;
                    }

                    merged.Flush();
                }
            }

            if (Directory.Exists(full))
            {
                Directory.Delete(full);
            }

            Directory.Move(temp, full);
            MergeLog.Merged(logger, output, added, duplicates, complete.Count, count);
            return new ShardMergeResult(complete.Count, count, added, duplicates, rejections);
        }
        finally
        {
            foreach (InstanceBankReader bank in banks)
            {
                bank.Dispose();
            }
        }
    }

    private static List<(string Path, RunManifest Manifest)> ReadManifests(string root)
    {
        string folder = Path.Combine(root, RunManifest.FolderName);
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(root, $"no {RunManifest.FolderName}/ folder: not the output of a bank run");
        }

        var shards = Directory.EnumerateFiles(folder, "shard-*-of-*.json")
            .Where(p => ManifestName().IsMatch(Path.GetFileName(p)))
            .Order(StringComparer.Ordinal)
            .Select(p => (p, RunManifest.Read(p)))
            .ToList();
        if (shards.Count == 0)
        {
            throw new InvalidInputException(root, $"no shard records in {RunManifest.FolderName}/: run the shards first");
        }

        int[] counts = [.. shards.Select(s => s.Item2.ShardCount).Distinct().Order()];
        if (counts.Length > 1)
        {
            throw new InvalidInputException(folder, $"records of runs split into different shard counts ({string.Join(", ", counts)}); merge one run at a time");
        }

        return shards;
    }

    private static void CheckSettings(List<(string Path, RunManifest Manifest)> shards)
    {
        var first = shards[0];
        foreach (var shard in shards.Skip(1))
        {
            string? differing = RunSettings.FirstDifference(first.Manifest.Settings, shard.Manifest.Settings);
            if (differing is not null)
            {
                throw new RunSettingsConflictException(shard.Path, differing, string.Create(CultureInfo.InvariantCulture,
                    $"shard {shard.Manifest.ShardIndex} was made with {differing} = {RunSettings.Show(shard.Manifest.Settings.GetValueOrDefault(differing))} but shard {first.Manifest.ShardIndex} with {RunSettings.Show(first.Manifest.Settings.GetValueOrDefault(differing))}; banks of different settings are not merged"));
            }
        }
    }

    [GeneratedRegex(@"^shard-\d+-of-\d+\.json$")]
    private static partial Regex ManifestName();
}

/// <summary>What <see cref="ShardMerge.Merge"/> did.</summary>
/// <param name="ShardsMerged">Complete shards merged.</param>
/// <param name="ShardCount">Shards of the run.</param>
/// <param name="Instances">Instances in the merged bank.</param>
/// <param name="Duplicates">Instances left out because their content was already merged.</param>
/// <param name="Rejections">Rejection records carried over.</param>
public sealed record ShardMergeResult(int ShardsMerged, int ShardCount, int Instances, int Duplicates, int Rejections);

internal static partial class MergeLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Output}: {Added} instances merged ({Duplicates} duplicates left out) from {Shards} of {Count} shards")]
    public static partial void Merged(ILogger logger, string output, int added, int duplicates, int shards, int count);
}
