using System.CommandLine;
using XPaste.Offline;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste bank merge ROOT --out BANK [--allow-partial]</c>: merges the shard banks of a sharded <c>bank run</c> into
/// one bank, after checking that every shard is there, complete and made with the same settings.
/// </summary>
internal static class BankMergeCommand
{
    public static Command Create()
    {
        var root = new Argument<DirectoryInfo>("root") { Description = "The sharded bank run's --out folder (holding shard-K-of-N/ banks and runs/)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "The merged bank's folder; must not exist or be empty (or hold a merge of the same shards: then nothing is done).", Required = true }.NotAFile();
        var allowPartial = new Option<bool>("--allow-partial") { Description = "Merge the complete shards even when others are missing or unfinished." };
        var command = new Command("merge", "Merge the shard banks of a sharded bank run into one bank (checks all shards are there and complete).")
        {
            root, output, allowPartial,
        };
        command.SetAction((parse, cancellationToken) => BankCommand.Run(async () =>
        {
            string rootFolder = parse.GetValue(root)!.FullName;
            string outFolder = parse.GetValue(output)!.FullName;
            try
            {
                ShardMergeResult result = await ConsoleProgress.RunAsync("bank merge",
                    (progress, ct) => Task.Run(() => ShardMerge.Merge(rootFolder, outFolder, parse.GetValue(allowPartial), progress, cancellationToken: ct), ct),
                    cancellationToken).ConfigureAwait(false);
                if (result.AlreadyMerged)
                {
                    Console.Error.WriteLine($"{outFolder}: already merged from these same {result.ShardsMerged} of {result.ShardCount} shards ({result.Instances} instances); nothing to do");
                    return 0;
                }

                Console.Error.WriteLine($"{outFolder}: {result.Instances} instances from {result.ShardsMerged} of {result.ShardCount} shards"
                    + (result.Duplicates > 0 ? $" ({result.Duplicates} duplicates left out)" : "")
                    + $", {result.Rejections} rejection records"
                    + (result.ShardsMerged < result.ShardCount ? "; partial, as --allow-partial asked" : ""));
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"{outFolder}: stopped; run the same command again to continue the merge.");
                return 130;
            }
        }));
        return command;
    }
}
