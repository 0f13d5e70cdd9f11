using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using XPaste.Abstractions;
using XPaste.Bank;
using XPaste.Generation.Categories;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary>
/// <c>xpaste bank run</c> as workers of a cluster job run it: several shard processes at once, then <c>bank merge</c>;
/// and a worker killed at random moments and started again.
/// </summary>
public sealed class BankRunShardingTests : IDisposable
{
    private static readonly string[] Names = ["apple", "bottle", "cup", "drum", "egg", "fern"];
    private readonly TempFolder _temp = new();
    private readonly string _names;
    private readonly string _images;

    public BankRunShardingTests()
    {
        _names = _temp.File("names.txt");
        File.WriteAllLines(_names, Names);
        _images = _temp.File("images");
        var categories = Names.Select((n, i) => new CategoryInfo(i + 1, n)).ToArray();
        new CategoryImageGenerator(new FakeTextToImageGenerator(64, 56), new CategoryGenerationOptions { PerCategory = 8, Seed = 5 }).Run(_images, categories);
    }

    public void Dispose() => _temp.Dispose();

    private string[] RunArgs(string output, params string[] extra) =>
        ["bank", "run", "--categories", _names, "--images", _images, "--out", output, "--extractor", "plain", "--batch-size", "2", "--device", "cpu", .. extra];

    /// <summary>Instance ids with the SHA-256 of their PNG, and rejections, sorted.</summary>
    internal static string[] Contents(string bankFolder)
    {
        using InstanceBankReader bank = InstanceBank.Open(bankFolder);
        Assert.Empty(Directory.EnumerateFiles(bankFolder, ".tmp-*", SearchOption.AllDirectories));
        return
        [
            .. bank.Instances.Select(i => $"{i.Id} {i.CategoryId} {i.CategoryName} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bank.GetFullPath(i))))}")
                .Concat(bank.Rejections.Select(r => $"rejected {r.Source}: {r.Reason}"))
                .Order(StringComparer.Ordinal),
        ];
    }

    [Fact]
    public async Task The_summary_table_names_the_shard_once()
    {
        string output = _temp.File("titled");
        CliResult result = await CliRunner.RunAsync(RunArgs(output, "--shard", "1/3"));
        Assert.True(result.ExitCode == 0, result.ToString());
        // The first line names the shard and its bank; the summary table does not say it again.
        Assert.Single(Regex.Matches(result.StdErr, @"^shard 1/3: \d+ of 6 categories; .* bank .*shard-1-of-3$", RegexOptions.Multiline));
        Assert.DoesNotContain("shard", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("│ category │ kept │ rejected │ reasons │", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_shard_processes_at_once_then_merge_give_the_unsharded_bank()
    {
        string whole = _temp.File("whole");
        CliResult single = await CliRunner.RunAsync(RunArgs(whole));
        Assert.True(single.ExitCode == 0, single.ToString());
        string[] expected = Contents(Path.Combine(whole, "bank"));
        Assert.True(expected.Count(l => !l.StartsWith("rejected", StringComparison.Ordinal)) >= 24, string.Join("\n", expected));

        string sharded = _temp.File("sharded");
        CliResult[] shards = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => CliRunner.RunAsync(RunArgs(sharded, "--shard", $"{k}/3"))));
        Assert.All(shards, r => Assert.True(r.ExitCode == 0, r.ToString()));

        CliResult merge = await CliRunner.RunAsync(["bank", "merge", sharded, "--out", _temp.File("merged")]);
        Assert.True(merge.ExitCode == 0, merge.ToString());
        Assert.Equal(expected, Contents(_temp.File("merged")));
    }

    [Fact]
    public async Task The_shard_comes_from_the_engines_environment()
    {
        string root = _temp.File("k8s");
        for (int k = 0; k < 2; k++)
        {
            CliResult r = await CliRunner.RunAsync(RunArgs(root, "--shards", "2"), environment: new Dictionary<string, string?> { ["JOB_COMPLETION_INDEX"] = $"{k}" });
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        string slurm = _temp.File("slurm");
        for (int id = 1; id <= 2; id++)
        {
            CliResult r = await CliRunner.RunAsync(RunArgs(slurm), environment: new Dictionary<string, string?>
            {
                ["SLURM_ARRAY_TASK_ID"] = $"{id}", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "2",
            });
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        Assert.True(Directory.Exists(Path.Combine(root, "shard-1-of-2")));
        Assert.True((await CliRunner.RunAsync(["bank", "merge", root, "--out", _temp.File("a")])).ExitCode == 0);
        Assert.True((await CliRunner.RunAsync(["bank", "merge", slurm, "--out", _temp.File("b")])).ExitCode == 0);
        Assert.Equal(Contents(_temp.File("a")), Contents(_temp.File("b")));
    }

    [Fact]
    public async Task A_merge_before_every_shard_finished_names_what_is_missing()
    {
        string root = _temp.File("run");
        Assert.Equal(0, (await CliRunner.RunAsync(RunArgs(root, "--shard", "1/3"))).ExitCode);
        CliResult merge = await CliRunner.RunAsync(["bank", "merge", root, "--out", _temp.File("merged")]);
        Assert.Equal(1, merge.ExitCode);
        Assert.StartsWith($"error: {root}: shards 0, 2 never ran; categories not merged: ", merge.StdErr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", merge.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("merged")));
    }

    [Theory]
    [InlineData("--shard", "3/3")]
    [InlineData("--shard", "x")]
    [InlineData("--input-size", "0")]
    public async Task Bad_shard_and_numeric_options_are_usage_errors(string option, string value)
    {
        CliResult r = await CliRunner.RunAsync(RunArgs(_temp.File("bad"), option, value));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {option}", r.StdErr.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_names_file_with_a_duplicate_and_an_unknown_category_are_refused_by_name()
    {
        File.WriteAllLines(_temp.File("dup.txt"), ["cup", "egg", "cup"]);
        CliResult dup = await CliRunner.RunAsync(["bank", "run", "--categories", _temp.File("dup.txt"), "--images", _images, "--out", _temp.File("o1")]);
        Assert.Equal(1, dup.ExitCode);
        Assert.Equal($"error: {_temp.File("dup.txt")}:3: category name 'cup' appears twice (first on line 1)", dup.StdErr.Trim());

        CliResult unknown = await CliRunner.RunAsync(RunArgs(_temp.File("o2"), "--category", "unicorn"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("error: --category: unknown category name: unicorn", unknown.StdErr.Trim());
    }

    [Fact]
    public async Task A_shard_killed_at_random_moments_and_rerun_ends_identical_to_an_uninterrupted_one()
    {
        string reference = _temp.File("reference");
        Assert.Equal(0, (await CliRunner.RunAsync(RunArgs(reference, "--shard", "0/2"))).ExitCode);
        string[] expected = Contents(Path.Combine(reference, "shard-0-of-2"));

        // Killed after a random number of progress reports of its work, so every kill lands inside the work, on a
        // fast or a loaded machine alike; runs go on until the shard is complete.
        string root = _temp.File("killed");
        var random = new Random(20261128);
        int kills = 0;
        for (int attempt = 0; attempt < 12 && await CliKill.AfterProgressAsync(RunArgs(root, "--shard", "0/2"), "extract:", random.Next(1, 4)); attempt++)
        {
            kills++;
        }

        CliResult last = await CliRunner.RunAsync(RunArgs(root, "--shard", "0/2"));
        Assert.True(last.ExitCode == 0, last.ToString());
        Assert.True(kills > 0, "no run was killed mid-work: every run finished before its kill point");
        Assert.Equal(expected, Contents(Path.Combine(root, "shard-0-of-2")));
    }
}

/// <summary>Kills a run of the tool in the middle of its work.</summary>
internal static class CliKill
{
    /// <summary>
    /// Starts the tool and kills it once it has written <paramref name="reports"/> progress lines containing
    /// <paramref name="marker"/> on standard error; false when it finished first.
    /// </summary>
    public static async Task<bool> AfterProgressAsync(string[] args, string marker, int reports)
    {
        using Process process = CliRunner.Start(args);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        int seen = 0;
        bool killed = false;
        while (await process.StandardError.ReadLineAsync() is string line)
        {
            if (line.Contains(marker, StringComparison.Ordinal) && ++seen == reports)
            {
                process.Kill(entireProcessTree: true);
                killed = true;
                break;
            }
        }

        await process.WaitForExitAsync();
        await stdout;
        return killed;
    }
}

/// <summary>The offline half with the tiny Stable Diffusion as the generator, on the bundled dataset's categories.</summary>
public sealed class BankRunStableDiffusionTests : IDisposable
{
    private static readonly string Model = Path.Combine(AppContext.BaseDirectory, "TestData", "generation", "sd_tiny");
    private static readonly string Dataset = Path.Combine(AppContext.BaseDirectory, "data", "instances.json");
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] RunArgs(string output, params string[] extra) =>
        ["bank", "run", "--categories", Dataset, "--model", Model, "--steps", "3", "--size", "64",
         "--extractor", "plain", "--device", "cpu", "--out", output, .. extra, .. extra.Contains("--per-category") ? Array.Empty<string>() : ["--per-category", "3"]];

    [Fact]
    public async Task Generate_extract_and_bank_in_one_command_sharded_equals_unsharded_and_a_rerun_does_nothing()
    {
        string whole = _temp.File("whole");
        CliResult single = await CliRunner.RunAsync(RunArgs(whole, "--generate-batch", "2"), timeout: TimeSpan.FromMinutes(5));
        Assert.True(single.ExitCode == 0, single.ToString());
        string[] expected = BankRunShardingTests.Contents(Path.Combine(whole, "bank"));
        // The bundled dataset has two categories (coin, horse): 3 images each, every one settled.
        Assert.Equal(6, expected.Length);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(whole, "images")).Length);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(whole, "images", "coin", "metadata.jsonl")).Length);

        string sharded = _temp.File("sharded");
        CliResult[] shards = await Task.WhenAll(Enumerable.Range(0, 2).Select(k =>
            CliRunner.RunAsync(RunArgs(sharded, "--shard", $"{k}/2", "--generate-batch", "2"), timeout: TimeSpan.FromMinutes(5))));
        Assert.All(shards, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Equal(0, (await CliRunner.RunAsync(["bank", "merge", sharded, "--out", _temp.File("merged")])).ExitCode);
        Assert.Equal(expected, BankRunShardingTests.Contents(_temp.File("merged")));
        foreach (string image in Directory.EnumerateFiles(Path.Combine(whole, "images"), "*.png", SearchOption.AllDirectories))
        {
            Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(Path.Combine(sharded, "images", Path.GetRelativePath(Path.Combine(whole, "images"), image))));
        }

        CliResult again = await CliRunner.RunAsync(RunArgs(whole), timeout: TimeSpan.FromMinutes(5));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(expected, BankRunShardingTests.Contents(Path.Combine(whole, "bank")));
    }

    [Fact]
    public async Task A_generating_shard_killed_at_random_moments_and_rerun_ends_identical()
    {
        string reference = _temp.File("reference");
        Assert.Equal(0, (await CliRunner.RunAsync(RunArgs(reference, "--per-category", "5"), timeout: TimeSpan.FromMinutes(5))).ExitCode);
        string[] expected = BankRunShardingTests.Contents(Path.Combine(reference, "bank"));

        // Killed after a random number of progress reports (generation, then extraction), until the run completes.
        string root = _temp.File("killed");
        var random = new Random(7);
        int kills = 0;
        for (int attempt = 0; attempt < 12 && await CliKill.AfterProgressAsync(RunArgs(root, "--per-category", "5"), " images", random.Next(2, 6)); attempt++)
        {
            kills++;
        }

        CliResult last = await CliRunner.RunAsync(RunArgs(root, "--per-category", "5"), timeout: TimeSpan.FromMinutes(5));
        Assert.True(last.ExitCode == 0, last.ToString());
        Assert.True(kills > 0, "no run was killed mid-work: every run finished before its kill point");
        Assert.Equal(expected, BankRunShardingTests.Contents(Path.Combine(root, "bank")));
        foreach (string image in Directory.EnumerateFiles(Path.Combine(reference, "images"), "*.png", SearchOption.AllDirectories))
        {
            Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(Path.Combine(root, "images", Path.GetRelativePath(Path.Combine(reference, "images"), image))));
        }
    }

    [Fact]
    public async Task Other_sampler_settings_are_refused_by_name()
    {
        string root = _temp.File("run");
        Assert.Equal(0, (await CliRunner.RunAsync(RunArgs(root, "--category", "coin"), timeout: TimeSpan.FromMinutes(5))).ExitCode);
        CliResult other = await CliRunner.RunAsync(RunArgs(root, "--category", "coin", "--guidance", "3"), timeout: TimeSpan.FromMinutes(5));
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("guidance", other.StdErr, StringComparison.Ordinal);
        Assert.Contains("--start-over", other.StdErr, StringComparison.Ordinal);
    }
}
