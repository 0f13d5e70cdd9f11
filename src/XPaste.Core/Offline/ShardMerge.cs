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
/// hash; carries every instance's provenance (extractor, score, runners-up' scores, origin) and every typed rejection over; builds the result in a temporary sibling folder and renames it into place, so the output is either absent or
/// whole. An interrupted merge resumes from its temporary folder.
/// </summary>
public static partial class ShardMerge
{
    private const int Batch = 64;

    /// <summary>Merges the shards under <paramref name="root"/> into a new bank at <paramref name="output"/>.</summary>
    /// <param name="root">The bank run's output folder.</param>
    /// <param name="output">The merged bank's folder; must not exist, be empty, or hold a merge of the same inputs.</param>
    /// <param name="allowPartial">Merge what is complete even when shards are missing or unfinished.</param>
    /// <param name="progress">Receives <c>merge</c> progress in instances.</param>
    /// <param name="logger">Receives notes; none when null.</param>
    /// <param name="cancellationToken">Stops between batches; the next merge resumes.</param>
    /// <returns>What was merged.</returns>
    /// <exception cref="IncompleteRunException">Shards are missing or unfinished (and <paramref name="allowPartial"/> is false).</exception>
    /// <exception cref="RunSettingsConflictException">Two shards were made with different settings.</exception>
    /// <exception cref="InvalidInputException">No run records under <paramref name="root"/>, mixed shard counts, a record that does not
    /// fit its shard (index past the count, another shard's content, a bank other than its canonical folder), or an output
    /// that holds something other than a merge of these same inputs (which makes the call a no-op).</exception>
    public static ShardMergeResult Merge(string root, string output, bool allowPartial = false,
        IProgress<OperationProgress>? progress = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(output);
        logger ??= NullLogger.Instance;
        List<(string Path, BankShardManifest Manifest)> shards = ReadManifests(root);
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
        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".merging");
        long total = 0;
        var banks = new List<InstanceBankReader>();
        try
        {
            foreach (var shard in complete)
            {
                // The bank at the shard's canonical place under the run folder; the record was checked against it.
                string folder = Path.Combine(root, BankFolderName(shard.Manifest.ShardIndex, count));
                if (!Directory.Exists(folder))
                {
                    throw new InvalidInputException(folder, $"shard {shard.Manifest.ShardIndex}'s bank is missing, though its record {shard.Path} says it is complete");
                }

                InstanceBankReader bank = InstanceBank.Open(folder, logger);
                banks.Add(bank);
                total += bank.Count;
            }

            MergeInputs inputs = MergeInputs.Of(count, complete.Select((s, i) => (s.Manifest.ShardIndex, s.Path, banks[i])));
            if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            {
                return AlreadyMerged(output, full, inputs, complete.Count, count, logger);
            }

            // A merge left half-done from other inputs (a shard rerun since) starts over; the same inputs resume.
            if (Directory.Exists(temp) && MergeInputs.TryRead(temp) is { } begun && !begun.SameInputs(inputs))
            {
                Directory.Delete(temp, recursive: true);
            }

            int added = 0, duplicates = 0, rejections = 0;
            long done = 0;
            progress?.Report(new OperationProgress("merge", 0, total, "instances"));
            using (InstanceBank merged = InstanceBank.OpenOrCreate(temp, new BankOptions { CommitEvery = 1 << 20 }, logger))
            {
                inputs.Write(temp);
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
                            var cutouts = fresh.Select(i => new NewBankInstance(bank.LoadImage(i, verifyHash: true), i.Category, i.Source, i.Extractor, i.ClipScore, i.Origin, i.RunnerUpScores)).ToList();
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
                        merged.Reject(rejection);
                        rejections++;
                    }

                    merged.Flush();
                }
            }

            // Written before the rename: a merged bank in place always says what it was made from.
            (inputs with { Result = new MergeCounts(added, duplicates, rejections) }).Write(temp);

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

    /// <summary>The bank folder of shard <paramref name="index"/> of <paramref name="count"/> under the run folder (as <see cref="BankRunOptions.BankFolder"/>).</summary>
    private static string BankFolderName(int index, int count) => count == 1 ? "bank" : new Sharding.ShardSpec(index, count).FolderName;

    /// <summary>The output is there already: a no-op when it was merged from these very inputs, else refused by name.</summary>
    private static ShardMergeResult AlreadyMerged(string output, string full, MergeInputs inputs, int merged, int count, ILogger logger)
    {
        MergeInputs? recorded = MergeInputs.TryRead(full);
        if (recorded?.Result is null)
        {
            throw new InvalidInputException(output, "exists and is not empty; give a new folder for the merged bank");
        }

        if (!recorded.SameInputs(inputs))
        {
            throw new InvalidInputException(output,
                $"holds a bank merged from other inputs ({inputs.Difference(recorded)}); give a new folder, or delete it to merge again");
        }

        MergeLog.AlreadyMerged(logger, output);
        return new ShardMergeResult(merged, count, recorded.Result.Instances, recorded.Result.Duplicates, recorded.Result.Rejections) { AlreadyMerged = true };
    }

    private static List<(string Path, BankShardManifest Manifest)> ReadManifests(string root)
    {
        string folder = Path.Combine(root, BankShardManifest.FolderName);
        if (!Directory.Exists(folder))
        {
            throw new InvalidInputException(root, $"no {BankShardManifest.FolderName}/ folder: not the output of a bank run");
        }

        var shards = Directory.EnumerateFiles(folder, "shard-*-of-*.json")
            .Where(p => ManifestName().IsMatch(Path.GetFileName(p)))
            .Order(StringComparer.Ordinal)
            .Select(p => (p, CheckRecord(p, BankShardManifest.Read(p))))
            .ToList();
        if (shards.Count == 0)
        {
            throw new InvalidInputException(root, $"no shard records in {BankShardManifest.FolderName}/: run the shards first");
        }

        int[] counts = [.. shards.Select(s => s.Item2.ShardCount).Distinct().Order()];
        if (counts.Length > 1)
        {
            throw new InvalidInputException(folder, $"records of runs split into different shard counts ({string.Join(", ", counts)}); merge one run at a time");
        }

        return shards;
    }

    /// <summary>
    /// A record is data about its shard, checked against the shard its file name gives: the index must be below the
    /// count, the content must name the same shard, and its bank must be the shard's canonical folder (never followed).
    /// </summary>
    private static BankShardManifest CheckRecord(string path, BankShardManifest record)
    {
        Match name = ManifestName().Match(Path.GetFileName(path));
        if (!int.TryParse(name.Groups[1].Value, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(name.Groups[2].Value, CultureInfo.InvariantCulture, out int count) || count < 1)
        {
            throw new InvalidInputException(path, "not a shard record name (shard-K-of-N.json with N at least 1)");
        }

        if (index >= count)
        {
            throw new InvalidInputException(path, $"shard index {index} is past the shard count {count} (indices run 0..{count - 1})");
        }

        if (record.ShardIndex != index || record.ShardCount != count)
        {
            throw new InvalidInputException(path,
                $"records shard {record.ShardIndex} of {record.ShardCount} but is the record of shard {index} of {count}; it was edited or copied from another run");
        }

        string bank = BankFolderName(index, count);
        if (!string.Equals(record.Bank, bank, StringComparison.Ordinal))
        {
            throw new InvalidInputException(path,
                $"names bank '{record.Bank}', but shard {index} of {count} keeps its bank in '{bank}' under the run folder; a record's bank is checked, never followed");
        }

        return record;
    }

    private static void CheckSettings(List<(string Path, BankShardManifest Manifest)> shards)
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

    [GeneratedRegex(@"^shard-(\d{1,9})-of-(\d{1,9})\.json$")]
    private static partial Regex ManifestName();
}

internal static partial class MergeLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Output}: {Added} instances merged ({Duplicates} duplicates left out) from {Shards} of {Count} shards")]
    public static partial void Merged(ILogger logger, string output, int added, int duplicates, int shards, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Output}: already merged from the same shards; nothing to do")]
    public static partial void AlreadyMerged(ILogger logger, string output);
}
