using System.Text.Json;
using XPaste.Imaging;
using XPaste.Tests;
using static TorchSharp.torch;

namespace XPaste.Cli.Tests;

public sealed class GenerateCommandTests
{
    private static string SdTiny => TestFiles.Data("generation", "sd_tiny");

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Case(-1).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Seeded_case_matches_diffusers(int index)
    {
        JsonElement c = Case(index);
        using var folder = new TempFolder();
        CliResult result = await CliRunner.RunAsync(Arguments(c, folder.Path), timeout: TimeSpan.FromMinutes(4));
        Assert.True(result.ExitCode == 0, result.ToString());

        JsonElement tolerance = c.GetProperty("tolerance");
        string[] expected = c.GetProperty("images").EnumerateArray().Select(e => e.GetString()!).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            AssertPixelsClose(Path.Combine(SdTiny, expected[i]), folder.File($"{i:D4}.png"),
                tolerance.GetProperty("max_abs").GetInt32(), tolerance.GetProperty("max_fraction_differing").GetDouble());
        }
    }

    [Fact]
    public async Task Image_i_is_the_same_alone_or_in_a_batch_and_a_rerun_skips_it()
    {
        using var folder = new TempFolder();
        string[] common = ["generate", "--model", SdTiny, "--prompt", "a red apple", "--steps", "3", "--size", "32", "--scheduler", "euler-a", "--seed", "10"];
        CliResult batch = await CliRunner.RunAsync([.. common, "--count", "3", "--batch", "3", "--out", folder.File("batch")]);
        Assert.True(batch.ExitCode == 0, batch.ToString());
        CliResult alone = await CliRunner.RunAsync([.. common, "--count", "3", "--batch", "1", "--out", folder.File("alone")]);
        Assert.True(alone.ExitCode == 0, alone.ToString());
        for (int i = 0; i < 3; i++)
        {
            // Same seeds, same picture: the UNet's float32 sums differ by ~1e-7 between batch sizes (oneDNN picks
            // kernels by shape), so a rounding can flip; held to the seeded cases' tolerance.
            AssertPixelsClose(folder.File("batch", $"{i:D4}.png"), folder.File("alone", $"{i:D4}.png"), 1, 0.005);
        }

        byte[] first = File.ReadAllBytes(folder.File("alone", "0001.png"));
        File.Delete(folder.File("alone", "0001.png"));
        DateTime untouched = File.GetLastWriteTimeUtc(folder.File("alone", "0002.png"));
        CliResult rerun = await CliRunner.RunAsync([.. common, "--count", "3", "--out", folder.File("alone")]);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("1 image(s) written", rerun.StdOut, StringComparison.Ordinal);
        Assert.Equal(first, File.ReadAllBytes(folder.File("alone", "0001.png")));
        Assert.Equal(untouched, File.GetLastWriteTimeUtc(folder.File("alone", "0002.png")));
    }

    [Theory]
    [InlineData("--prompt", "a photo of a single dog", "prompt")]
    [InlineData("--scheduler", "ddim", "scheduler")]
    [InlineData("--seed", "4", "seed")]
    [InlineData("--size", "48", "height")]
    [InlineData("--guidance", "3", "guidance")]
    public async Task Plain_generate_refuses_other_settings_by_name_and_start_over_redoes(string option, string value, string setting)
    {
        using var folder = new TempFolder();
        var common = new Dictionary<string, string> { ["--prompt"] = "a photo of a single cat", ["--scheduler"] = "euler", ["--seed"] = "3", ["--size"] = "32", ["--guidance"] = "7.5" };
        string[] Args(Dictionary<string, string> o, params string[] extra) =>
            ["generate", "--model", SdTiny, "--steps", "1", "--count", "2", "--out", folder.Path, .. o.SelectMany(p => new[] { p.Key, p.Value }), .. extra];
        CliResult first = await CliRunner.RunAsync(Args(common));
        Assert.True(first.ExitCode == 0, first.ToString());
        byte[] before = File.ReadAllBytes(folder.File("0000.png"));

        var changed = new Dictionary<string, string>(common) { [option] = value };
        CliResult refused = await CliRunner.RunAsync(Args(changed));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"with {setting} = ", refused.StdErr, StringComparison.Ordinal);
        Assert.Contains("--start-over", refused.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(folder.File("0000.png")));

        CliResult redone = await CliRunner.RunAsync(Args(changed, "--start-over"));
        Assert.True(redone.ExitCode == 0, redone.ToString());
        Assert.Contains("2 image(s) written", redone.StdOut, StringComparison.Ordinal);
        Assert.NotEqual(before, File.ReadAllBytes(folder.File("0000.png")));
    }

    [Fact]
    public async Task Plain_generate_with_another_model_is_refused_by_name()
    {
        using var folder = new TempFolder();
        string copy = folder.File("other-model");
        foreach (string file in Directory.EnumerateFiles(SdTiny, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(SdTiny, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        string[] Args(string model) => ["generate", "--model", model, "--prompt", "a cat", "--steps", "1", "--size", "32", "--out", folder.File("out")];
        Assert.Equal(0, (await CliRunner.RunAsync(Args(SdTiny))).ExitCode);
        CliResult refused = await CliRunner.RunAsync(Args(copy));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("with model = ", refused.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bf16_is_opt_in_recorded_and_a_rerun_in_another_precision_is_refused_by_name()
    {
        using var folder = new TempFolder();
        string[] Args(string dtype, string count) =>
            ["generate", "--model", SdTiny, "--prompt", "a red apple", "--steps", "1", "--size", "32", "--dtype", dtype, "--count", count, "--out", folder.Path];
        CliResult low = await CliRunner.RunAsync(Args("bf16", "1"));
        Assert.True(low.ExitCode == 0, low.ToString());
        Assert.Contains("\"dtype\": \"bfloat16\"", File.ReadAllText(folder.File(".xpaste-generate.json")), StringComparison.Ordinal);

        CliResult refused = await CliRunner.RunAsync(Args("fp32", "2"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("with dtype = ", refused.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("0001.png")));

        CliResult wrong = await CliRunner.RunAsync(Args("int8", "1"));
        Assert.Equal(2, wrong.ExitCode);
        Assert.StartsWith("error: --dtype: ", wrong.StdErr.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rerun_with_batches_remakes_the_missing_images_byte_identical()
    {
        using var folder = new TempFolder();
        string[] args = ["generate", "--model", SdTiny, "--prompt", "a blue cup", "--steps", "2", "--size", "32", "--seed", "3", "--count", "5", "--batch", "3", "--out", folder.Path];
        CliResult first = await CliRunner.RunAsync(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        byte[][] original = [.. Enumerable.Range(0, 5).Select(i => File.ReadAllBytes(folder.File($"{i:D4}.png")))];

        // One image from each fixed batch ([0,3) and [3,5)): each is made again beside its old companions.
        File.Delete(folder.File("0001.png"));
        File.Delete(folder.File("0004.png"));
        CliResult rerun = await CliRunner.RunAsync(args);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("2 image(s) written", rerun.StdOut, StringComparison.Ordinal);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(original[i], File.ReadAllBytes(folder.File($"{i:D4}.png")));
        }
    }

    [Theory]
    [InlineData("--width", "81", "error: --width: must be a positive multiple of 8, got 81")]
    [InlineData("--scheduler", "heun", "error: --scheduler: 'heun' is not a scheduler")]
    public async Task Bad_input_is_one_error_line(string option, string value, string message)
    {
        using var folder = new TempFolder();
        CliResult result = await CliRunner.RunAsync(["generate", "--model", SdTiny, "--prompt", "x", option, value, "--out", folder.Path]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, result.StdErr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_model_folder_names_it()
    {
        using var folder = new TempFolder();
        string missing = folder.File("no-such-model");
        CliResult result = await CliRunner.RunAsync(["generate", "--model", missing, "--prompt", "x", "--out", folder.File("out")]);
        // Bad data, not a bad command line: exit 1 (docs/errors.md).
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: {missing}: ", result.StdErr, StringComparison.Ordinal);
    }

    internal static void AssertPixelsClose(string expectedPng, string actualPng, int maxAbs, double maxFraction)
    {
        using var scope = NewDisposeScope();
        Tensor want = ImageIO.Load(expectedPng).to(ScalarType.Int32);
        Tensor got = ImageIO.Load(actualPng).to(ScalarType.Int32);
        Assert.Equal(want.shape, got.shape);
        Tensor diff = (want - got).abs();
        int max = diff.max().item<int>();
        Assert.True(max <= maxAbs, $"{actualPng}: a value is off by {max}");
        double fraction = diff.gt(0).sum().item<long>() / (double)diff.numel();
        Assert.True(fraction <= maxFraction, $"{actualPng}: {fraction:P2} of the values differ");
    }

    private static string[] Arguments(JsonElement c, string output)
    {
        var args = new List<string>
        {
            "generate", "--model", SdTiny, "--prompt", c.GetProperty("prompt").GetString()!,
            "--guidance", c.GetProperty("guidance_scale").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--steps", c.GetProperty("num_inference_steps").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--width", c.GetProperty("width").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--height", c.GetProperty("height").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--scheduler", c.GetProperty("scheduler").GetString()!,
            "--seed", c.GetProperty("seed").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--count", c.GetProperty("num_images_per_prompt").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch", c.GetProperty("num_images_per_prompt").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", output,
        };
        string negative = c.GetProperty("negative_prompt").GetString()!;
        if (negative.Length > 0)
        {
            args.AddRange(["--negative", negative]);
        }

        return [.. args];
    }

    private static JsonElement Case(int index)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(SdTiny, "seeded_cases.json")));
        JsonElement cases = doc.RootElement.GetProperty("cases").Clone();
        return index < 0 ? cases : cases[index];
    }
}

public sealed class GenerateCategoriesTests
{
    private static string SdTiny => TestFiles.Data("generation", "sd_tiny");

    [Fact]
    public async Task Per_category_images_in_the_reference_layout_sharded_into_one_folder_equal_one_unsharded_run()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("names.txt"), ["traffic_light", "kiwi", "drum"]);
        string[] common = ["generate", "--model", SdTiny, "--categories", folder.File("names.txt"), "--per-category", "2", "--steps", "2", "--size", "32", "--seed", "4", "--device", "cpu"];
        CliResult whole = await CliRunner.RunAsync([.. common, "--out", folder.File("whole")], timeout: TimeSpan.FromMinutes(4));
        Assert.True(whole.ExitCode == 0, whole.ToString());
        CliResult[] shards = await Task.WhenAll(Enumerable.Range(0, 2).Select(k =>
            CliRunner.RunAsync([.. common, "--out", folder.File("sharded"), "--shard", $"{k}/2"], timeout: TimeSpan.FromMinutes(4))));
        Assert.All(shards, r => Assert.True(r.ExitCode == 0, r.ToString()));

        string[] files = [.. Directory.EnumerateFiles(folder.File("whole"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder.File("whole"), f)).Order(StringComparer.Ordinal)];
        Assert.Equal(
            [".xpaste-generate.json", "drum/0000.png", "drum/0001.png", "drum/metadata.jsonl", "kiwi/0000.png", "kiwi/0001.png", "kiwi/metadata.jsonl",
             "traffic_light/0000.png", "traffic_light/0001.png", "traffic_light/metadata.jsonl"],
            files.Select(f => f.Replace('\\', '/')));
        foreach (string file in files)
        {
            Assert.Equal(File.ReadAllBytes(folder.File("whole", file)), File.ReadAllBytes(folder.File("sharded", file)));
        }

        JsonElement line = JsonDocument.Parse(File.ReadLines(folder.File("whole", "traffic_light", "metadata.jsonl")).First()).RootElement;
        Assert.Equal("a photo of a single traffic light", line.GetProperty("prompt").GetString());
        Assert.Equal("dpm", line.GetProperty("scheduler").GetString());
        Assert.Equal("2", line.GetProperty("steps").GetString());
        Assert.Equal("sd_tiny", line.GetProperty("model").GetString());
        Assert.Matches("^[0-9a-f]{16}$", line.GetProperty("weights_sha256").GetString());
        Assert.True(line.GetProperty("seed").GetInt64() > 0);

        CliResult other = await CliRunner.RunAsync([.. common, "--out", folder.File("whole"), "--guidance", "2"], timeout: TimeSpan.FromMinutes(4));
        Assert.Equal(1, other.ExitCode);
        Assert.StartsWith($"error: {folder.File("whole", ".xpaste-generate.json")}: the images there were made with guidance = '7.5', this run has '2'",
            other.StdErr.Trim().Split('\n')[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--prompt", "a photo", "error: --prompt: 'a photo' has no {name} (with --categories the prompt is a template, e.g. 'a photo of a single {name}')")]
    [InlineData("--per-category", "0", "error: --per-category: must be at least 1, got 0")]
    [InlineData("--shard", "2/2", "error: --shard: '2/2': K must be below N and N at least 1")]
    public async Task Bad_per_category_options_are_usage_errors(string option, string value, string message)
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("names.txt"), ["kiwi"]);
        CliResult r = await CliRunner.RunAsync(["generate", "--model", SdTiny, "--categories", folder.File("names.txt"), option, value, "--out", folder.File("out")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(message, r.StdErr.Trim());
    }
}
