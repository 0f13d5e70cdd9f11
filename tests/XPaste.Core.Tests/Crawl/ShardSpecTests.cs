using XPaste.Sharding;

namespace XPaste.Tests.Crawl;

public sealed class ShardSpecTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/8", 3, 8)]
    [InlineData(" 2 / 4 ", 2, 4)]
    public void Parse_reads_K_of_N(string text, int k, int n)
    {
        ShardSpec shard = ShardSpec.Parse(text);

        Assert.Equal((k, n), (shard.Index, shard.Count));
        Assert.Equal($"{k}/{n}", shard.ToString());
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("5/4")]
    [InlineData("0/0")]
    [InlineData("-1/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Parse_refuses_K_at_or_past_N_and_N_below_1(string text)
    {
        Assert.Throws<InvalidInputException>(() => ShardSpec.Parse(text));
        Assert.False(ShardSpec.TryParse(text, out _));
    }

    [Fact]
    public void The_shard_of_a_name_is_the_first_8_bytes_of_its_SHA256_mod_N()
    {
        // Reference values from Python: int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % n.
        Assert.Equal(6, ShardSpec.ShardOf("person", 8));
        Assert.Equal(0, ShardSpec.ShardOf("dog", 8));
        Assert.Equal(3, ShardSpec.ShardOf("cat", 8));
        Assert.Equal(1, ShardSpec.ShardOf("traffic light", 8));
        Assert.Equal(2, ShardSpec.ShardOf("person", 3));
    }

    [Fact]
    public void Every_category_belongs_to_exactly_one_shard()
    {
        string[] names = [.. Enumerable.Range(0, 200).Select(i => $"category {i}")];
        const int n = 7;
        foreach (string name in names)
        {
            Assert.Equal(1, Enumerable.Range(0, n).Count(k => new ShardSpec(k, n).Contains(name)));
        }

        // Roughly balanced: no shard empty for 200 names.
        Assert.All(Enumerable.Range(0, n), k => Assert.Contains(names, name => new ShardSpec(k, n).Contains(name)));
    }

    [Fact]
    public void FromEnvironment_reads_Kubernetes_and_Slurm_indices()
    {
        var k8s = new Dictionary<string, string?> { ["JOB_COMPLETION_INDEX"] = "2" };
        var slurm = new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_COUNT"] = "4", ["SLURM_ARRAY_TASK_MIN"] = "3" };

        Assert.Equal(new ShardSpec(2, 4), ShardSpec.FromEnvironment(4, k8s.GetValueOrDefault));
        Assert.Equal(new ShardSpec(2, 4), ShardSpec.FromEnvironment(null, slurm.GetValueOrDefault));
        Assert.Null(ShardSpec.FromEnvironment(4, _ => null));
        Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(null, k8s.GetValueOrDefault));
        Assert.Throws<InvalidInputException>(() => ShardSpec.FromEnvironment(2, k8s.GetValueOrDefault));
    }
}
