using XPaste.Abstractions;
using XPaste.Generation.Categories;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary>
/// Bad input on the generating and sharded surfaces (issue 23): sizes past their bound, seeds that overflow, folders
/// that are files, a variant that is missing, a shard count the environment contradicts; and <c>bank merge</c> rerun
/// after a kill at any moment, the moment after its rename included.
/// </summary>
public sealed class BoundsAndRecordsTests : IDisposable
{
    private static readonly string[] Names = ["apple", "bottle", "cup", "drum"];
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string SdTiny => TestFiles.Data("generation", "sd_tiny");

    [Theory]
    [InlineData("--width", "65536", "error: --width: must be at most 4096, got 65536")]
    [InlineData("--size", "1048576", "error: --size: must be at most 4096, got 1048576")]
    [InlineData("--height", "4104", "error: --height: must be at most 4096, got 4104")]
    public async Task Sizes_past_the_bound_are_refused_while_parsing(string option, string value, string expected)
    {
        CliResult result = await CliRunner.RunAsync(["generate", "--model", SdTiny, "--prompt", "x", option, value, "--out", _temp.File("out")]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(expected, result.StdErr.Trim());
        Assert.False(Directory.Exists(_temp.File("out")));
    }

    [Fact]
    public async Task A_seed_whose_last_image_overflows_is_refused_before_any_image()
    {
        CliResult result = await CliRunner.RunAsync(["generate", "--model", SdTiny, "--prompt", "x", "--seed", "9223372036854775807", "--count", "2", "--out", _temp.File("out")]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("error: --seed: 9223372036854775807 is too large for 2 images (image i uses seed + i); at most 9223372036854775806", result.StdErr.Trim());
        Assert.False(Directory.Exists(_temp.File("out")));
    }

    [Fact]
    public async Task An_out_that_is_a_file_is_refused_by_generate_and_crawl()
    {
        string file = _temp.File("taken.txt");
        File.WriteAllText(file, "x");
        File.WriteAllText(_temp.File("urls.txt"), "http://127.0.0.1:9/a.jpg\n");

        CliResult generate = await CliRunner.RunAsync(["generate", "--model", SdTiny, "--prompt", "x", "--out", file]);
        CliResult crawl = await CliRunner.RunAsync(["crawl", "--urls", _temp.File("urls.txt"), "--category", "cat", "--out", file]);

        foreach (CliResult result in new[] { generate, crawl })
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Equal($"error: --out: {file} is a file; this option names a folder", result.StdErr.Trim());
        }

        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_variant_the_model_lacks_names_the_files_looked_for()
    {
        CliResult result = await CliRunner.RunAsync(["generate", "--model", SdTiny, "--prompt", "x", "--variant", "fp16", "--steps", "1", "--size", "64", "--out", _temp.File("out")]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"error: {SdTiny}: no 'fp16' variant weights: looked for text_encoder/model.fp16.safetensors, unet/diffusion_pytorch_model.fp16.safetensors, "
            + "vae/diffusion_pytorch_model.fp16.safetensors (and their .bin and sharded forms); leave out the variant to load the plain weights", result.StdErr.Trim());
        Assert.Empty(Directory.Exists(_temp.File("out")) ? Directory.GetFiles(_temp.File("out")) : []);
    }

    [Fact]
    public async Task A_shard_count_the_environment_contradicts_names_both()
    {
        string images = Images();
        CliResult result = await CliRunner.RunAsync(RunArgs(images, _temp.File("run"), "--shards", "8"),
            environment: new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "4" });

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("error: --shards: --shards 8 disagrees with SLURM_ARRAY_TASK_COUNT=4; give the array size, or leave out --shards", result.StdErr.Trim());
        Assert.False(Directory.Exists(_temp.File("run", "shard-2-of-4")));
    }

    [Fact]
    public async Task A_merge_killed_at_any_moment_even_after_its_rename_ends_like_an_uninterrupted_one_and_a_rerun_is_a_no_op()
    {
        string images = Images();
        string root = _temp.File("run");
        for (int k = 0; k < 2; k++)
        {
            CliResult shard = await CliRunner.RunAsync(RunArgs(images, root, "--shard", $"{k}/2"));
            Assert.True(shard.ExitCode == 0, shard.ToString());
        }

        string reference = _temp.File("reference");
        Assert.Equal(0, (await CliRunner.RunAsync(["bank", "merge", root, "--out", reference])).ExitCode);
        string[] expected = BankRunShardingTests.Contents(reference);

        // Killed once its work has begun (the temporary bank exists), then once it has printed its result (after the
        // rename, before the process ends); each time the same command is run again.
        string merged = _temp.File("merged");
        string[] merge = ["bank", "merge", root, "--out", merged];
        bool killedInside = await CliKill.AfterProgressAsync(merge, "merge:", 1);
        CliResult resumed = await CliRunner.RunAsync(merge);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(expected, BankRunShardingTests.Contents(merged));

        string second = _temp.File("merged-2");
        string[] mergeSecond = ["bank", "merge", root, "--out", second];
        Assert.True(await CliKill.AfterProgressAsync(mergeSecond, "instances from", 1), "the merge ended before it printed its result");
        CliResult afterRename = await CliRunner.RunAsync(mergeSecond);

        Assert.True(afterRename.ExitCode == 0, afterRename.ToString());
        Assert.Equal($"{second}: already merged from these same 2 of 2 shards ({expected.Count(l => !l.StartsWith("rejected", StringComparison.Ordinal))} instances); nothing to do",
            afterRename.StdErr.Trim());
        Assert.Equal(expected, BankRunShardingTests.Contents(second));
        Assert.False(Directory.Exists(_temp.File(".merged-2.merging")));
        Assert.True(killedInside || Directory.Exists(merged), "the first merge neither ran nor was killed");
    }

    [Fact]
    public async Task A_generate_rerun_with_other_settings_is_refused_not_counted_as_complete()
    {
        string output = _temp.File("out");
        string[] common = ["generate", "--model", SdTiny, "--steps", "1", "--size", "32", "--seed", "4", "--count", "1", "--out", output];
        CliResult first = await CliRunner.RunAsync([.. common, "--prompt", "a red apple"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        byte[] image = File.ReadAllBytes(Path.Combine(output, "0000.png"));

        CliResult same = await CliRunner.RunAsync([.. common, "--prompt", "a red apple", "--batch", "2"]);
        CliResult other = await CliRunner.RunAsync([.. common, "--prompt", "a green pear"]);

        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.EndsWith($"all 1 image(s) are already in {output}", same.StdErr.Trim(), StringComparison.Ordinal);
        Assert.True(other.ExitCode == 1, other.ToString());
        Assert.StartsWith("error: ", other.StdErr, StringComparison.Ordinal);
        Assert.Contains("with prompt = ", other.StdErr, StringComparison.Ordinal);
        Assert.Equal(image, File.ReadAllBytes(Path.Combine(output, "0000.png")));
    }

    private string Images()
    {
        string names = _temp.File("names.txt");
        File.WriteAllLines(names, Names);
        string images = _temp.File("images");
        var categories = Names.Select((n, i) => new CategoryInfo(i + 1, n)).ToArray();
        new CategoryImageGenerator(new FakeTextToImageGenerator(64, 56), new CategoryGenerationOptions { PerCategory = 6, Seed = 5 }).Run(images, categories);
        return images;
    }

    private string[] RunArgs(string images, string output, params string[] extra) =>
        ["bank", "run", "--categories", _temp.File("names.txt"), "--images", images, "--out", output, "--extractor", "plain", "--batch-size", "2", "--device", "cpu", .. extra];
}
