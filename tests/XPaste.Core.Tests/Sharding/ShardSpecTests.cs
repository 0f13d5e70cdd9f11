using XPaste.Sharding;

namespace XPaste.Tests.Sharding;

public sealed class ShardSpecTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/8", 2, 8)]
    [InlineData("7/8", 7, 8)]
    public void Parse_reads_K_of_N(string text, int index, int count)
    {
        ShardSpec shard = ShardSpec.Parse(text);
        Assert.Equal(index, shard.Index);
        Assert.Equal(count, shard.Count);
        Assert.Equal($"shard-{index}-of-{count}", shard.FolderName);
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("4/3")]
    [InlineData("0/0")]
    [InlineData("-1/3")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void Parse_refuses_what_is_not_K_below_N(string text)
    {
        var ex = Assert.Throws<InvalidInputException>(() => ShardSpec.Parse(text));
        Assert.Equal("--shard", ex.Input);
        Assert.Contains(text, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_category_falls_in_exactly_one_shard_and_the_split_is_not_degenerate()
    {
        string[] names = [.. Enumerable.Range(0, 300).Select(i => $"category_{i}")];
        for (int n = 1; n <= 7; n++)
        {
            var shards = Enumerable.Range(0, n).Select(k => new ShardSpec(k, n)).ToArray();
            foreach (string name in names)
            {
                Assert.Equal(1, shards.Count(s => s.Contains(name)));
            }

            // 300 names over n shards: each shard gets a fair share (a hash bug would pile them into one).
            foreach (ShardSpec shard in shards)
            {
                int mine = names.Count(shard.Contains);
                Assert.InRange(mine, 300 / n / 2, 300 / n * 2);
            }
        }
    }

    [Fact]
    public void The_shard_of_a_name_is_pinned_so_every_machine_and_version_agrees()
    {
        // SHA-256 of the UTF-8 name, first 8 bytes little-endian, mod N; values computed once with Python's hashlib and
        // pinned: a change here would reshuffle the categories of running jobs.
        Assert.Equal(5, ShardSpec.ShardOf("aerosol_can", 7));
        Assert.Equal(3, ShardSpec.ShardOf("traffic_light", 5));
        Assert.Equal(4, ShardSpec.ShardOf("café", 5));
        Assert.Equal(2, ShardSpec.ShardOf("horse", 3));
        Assert.Equal(3, ShardSpec.ShardOf("coin", 4));
        Assert.Equal(6, ShardSpec.ShardOf("cup", 8));
    }

    [Fact]
    public void Kubernetes_indexed_jobs_give_the_index_and_the_command_line_the_count()
    {
        var env = new Dictionary<string, string?> { ["JOB_COMPLETION_INDEX"] = "2" };
        ShardSpec? shard = ShardSpec.FromEnvironment(4, env.GetValueOrDefault);
        Assert.Equal(new ShardSpec(2, 4), shard);

        var ex = Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(null, env.GetValueOrDefault));
        Assert.Equal("--shards", ex.Input);
        Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(2, env.GetValueOrDefault));
    }

    [Fact]
    public void Slurm_arrays_give_both_and_may_start_at_one()
    {
        var env = new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = "3", ["SLURM_ARRAY_TASK_COUNT"] = "3", ["SLURM_ARRAY_TASK_MIN"] = "1" };
        Assert.Equal(new ShardSpec(2, 3), ShardSpec.FromEnvironment(null, env.GetValueOrDefault));

        env["SLURM_ARRAY_TASK_ID"] = "x";
        var ex = Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(null, env.GetValueOrDefault));
        Assert.Equal("SLURM_ARRAY_TASK_ID", ex.Input);
    }

    [Fact]
    public void A_slurm_count_that_disagrees_with_shards_names_both()
    {
        var env = new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "4" };
        Assert.Equal(new ShardSpec(2, 4), ShardSpec.FromEnvironment(4, env.GetValueOrDefault));

        var ex = Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(8, env.GetValueOrDefault));
        Assert.Equal("--shards", ex.Input);
        Assert.Equal("--shards 8 disagrees with SLURM_ARRAY_TASK_COUNT=4; give the array size, or leave out --shards", ex.Problem);

        env["SLURM_ARRAY_TASK_ID"] = "4";
        ex = Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(null, env.GetValueOrDefault));
        Assert.Equal("SLURM_ARRAY_TASK_ID", ex.Input);
        Assert.Contains("outside 0..3", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_engine_there_is_no_shard_unless_a_count_asks_for_one()
    {
        Func<string, string?> none = _ => null;
        Assert.Null(ShardSpec.FromEnvironment(null, none));
        Assert.Null(ShardSpec.FromEnvironment(1, none));
        Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(3, none));
    }
}
