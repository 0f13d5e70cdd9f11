using XPaste.Sharding;

namespace XPaste.Cli.Commands;

/// <summary>The shard a worker runs: <c>--shard K/N</c>, else the engine's environment (with <c>--shards N</c>), else the whole run.</summary>
internal static class ShardOption
{
    public const string ShardDescription = "This worker's shard K/N (0-based K). Default: from JOB_COMPLETION_INDEX (with --shards) or SLURM_ARRAY_TASK_ID/COUNT, else the whole run.";

    public const string ShardsDescription = "The shard count N, for Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX gives K).";

    /// <summary>Resolves the shard; a malformed <c>--shard</c> is a usage error.</summary>
    public static ShardSpec Resolve(string? shard, int? shards)
    {
        if (shard is not null)
        {
            ShardSpec spec;
            try
            {
                spec = ShardSpec.Parse(shard);
            }
            catch (InvalidInputException ex)
            {
                throw new CliUsageException(ex.Message, ex);
            }

            if (shards is not null && shards != spec.Count)
            {
                throw new CliUsageException($"--shards {shards} contradicts --shard {shard}");
            }

            return spec;
        }

        return ShardSpec.FromEnvironment(shards) ?? ShardSpec.Whole;
    }
}
