using System.Text.Json;
using XPaste.Imaging;
using XPaste.Tests;
using static TorchSharp.torch;

namespace XPaste.Cli.Tests;

/// <summary><c>xpaste bank extract --extractor u2netp,sam</c> with tiny models: SAM refines U^2-Net's masks and joins the candidates as <c>sam</c>.</summary>
public sealed class BankExtractSamTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Two categories of images of different sizes: a coloured rectangle on a light background.</summary>
    private string WriteImages()
    {
        string root = _temp.File("generated");
        int k = 0;
        foreach (string category in new[] { "fire_hydrant", "kettle" })
        {
            for (int i = 0; i < 3; i++, k++)
            {
                int height = 48 + (8 * i), width = 64;
                using Tensor image = full(new long[] { 3, height, width }, 220, ScalarType.Byte);
                int side = 20 + (6 * i);
                image.narrow(1, 8 + i, side).narrow(2, 10, side).copy_(tensor(new byte[] { (byte)(40 + (30 * k)), 90, 160 }).view(3, 1, 1).expand(3, side, side));
                ImageIO.SavePng(image, Path.Combine(root, category, $"{i:0000}.png"));
            }
        }

        return root;
    }

    [Fact]
    public async Task Sam_refines_the_u2netp_masks_and_the_bank_records_sam_winners_and_runners_up()
    {
        string images = WriteImages();
        string bank = _temp.File("bank");
        CliResult extract = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", bank, "--extractor", "u2netp,sam",
            "--weights", Path.Combine(TestFiles.Data("u2netp"), "model.safetensors"), "--sam-model", TestFiles.Data("sam_tiny"),
            "--clip", TestFiles.Data("clip_tiny"), "--device", "cpu", "--batch-size", "4", "--min-area", "0.01", "--max-area", "0.99"]);
        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.Contains("extractors u2netp, sam", extract.StdErr, StringComparison.Ordinal);

        CliResult stats = await CliRunner.RunAsync(["bank", "stats", bank, "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using JsonDocument doc = JsonDocument.Parse(stats.StdOut);
        JsonElement root = doc.RootElement;
        int instances = root.GetProperty("instances").GetInt32();
        Assert.Equal(6, instances + root.GetProperty("rejected").GetInt32());
        Assert.True(instances > 0, stats.StdOut);
        Dictionary<string, int> wins = root.GetProperty("extractors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Dictionary<string, int> runnersUp = root.GetProperty("runners_up").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Subset(new HashSet<string> { "u2netp", "sam" }, wins.Keys.ToHashSet());
        Assert.Equal(instances, wins.Values.Sum());
        // Both masks of every kept image were scored: sam's is either the winner or the runner-up of each.
        Assert.Equal(instances, runnersUp.Values.Sum());
        Assert.Equal(instances, wins.GetValueOrDefault("sam") + runnersUp.GetValueOrDefault("sam"));
    }

    [Fact]
    public async Task Sam_masks_all_hands_the_three_outputs_to_clip_and_the_bank_records_sam_k_names()
    {
        string images = WriteImages();
        string bank = _temp.File("bank");
        CliResult extract = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", bank, "--extractor", "u2netp,sam",
            "--weights", Path.Combine(TestFiles.Data("u2netp"), "model.safetensors"), "--sam-model", TestFiles.Data("sam_tiny"), "--sam-masks", "all",
            "--sam-point", "centroid", "--clip", TestFiles.Data("clip_tiny"), "--device", "cpu", "--batch-size", "4", "--min-area", "0.01", "--max-area", "0.99"]);
        Assert.True(extract.ExitCode == 0, extract.ToString());

        CliResult stats = await CliRunner.RunAsync(["bank", "stats", bank, "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using JsonDocument doc = JsonDocument.Parse(stats.StdOut);
        JsonElement root = doc.RootElement;
        int instances = root.GetProperty("instances").GetInt32();
        Assert.True(instances > 0, stats.StdOut);
        Dictionary<string, int> wins = root.GetProperty("extractors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Dictionary<string, int> runnersUp = root.GetProperty("runners_up").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var candidates = new HashSet<string> { "u2netp", "sam-0", "sam-1", "sam-2" };
        Assert.Subset(candidates, wins.Keys.ToHashSet());
        Assert.Subset(candidates, runnersUp.Keys.ToHashSet());
        Assert.Equal(instances, wins.Values.Sum());
        // All four masks of every kept image were scored: each name is the winner or a runner-up of each instance.
        Assert.Equal(3 * instances, runnersUp.Values.Sum());
        Assert.All(candidates, n => Assert.Equal(instances, wins.GetValueOrDefault(n) + runnersUp.GetValueOrDefault(n)));
    }

    [Fact]
    public async Task Sam_in_bf16_extracts_every_image_and_says_so()
    {
        string images = WriteImages();
        string bank = _temp.File("bank");
        CliResult extract = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", bank, "--extractor", "u2netp,sam",
            "--weights", Path.Combine(TestFiles.Data("u2netp"), "model.safetensors"), "--sam-model", TestFiles.Data("sam_tiny"), "--sam-dtype", "bf16",
            "--clip", TestFiles.Data("clip_tiny"), "--device", "cpu", "--batch-size", "4", "--min-area", "0.01", "--max-area", "0.99"]);
        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.Contains("sam in bf16", extract.StdErr, StringComparison.Ordinal);

        CliResult stats = await CliRunner.RunAsync(["bank", "stats", bank, "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using JsonDocument doc = JsonDocument.Parse(stats.StdOut);
        JsonElement root = doc.RootElement;
        int instances = root.GetProperty("instances").GetInt32();
        Assert.Equal(6, instances + root.GetProperty("rejected").GetInt32());
        Assert.True(instances > 0, stats.StdOut);
        // SAM's bf16 masks were scored for every kept image: each instance has sam as its winner or runner-up.
        int wins = root.GetProperty("extractors").EnumerateObject().Where(p => p.Name == "sam").Sum(p => p.Value.GetInt32());
        int runnerUp = root.GetProperty("runners_up").EnumerateObject().Where(p => p.Name == "sam").Sum(p => p.Value.GetInt32());
        Assert.Equal(instances, wins + runnerUp);
    }

    [Fact]
    public async Task A_wrong_sam_dtype_is_a_usage_error()
    {
        string images = WriteImages();
        CliResult result = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", _temp.File("bank"), "--extractor", "sam",
            "--sam-model", TestFiles.Data("sam_tiny"), "--sam-dtype", "fp8", "--device", "cpu"]);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("error: --sam-dtype: 'fp8' is not one of fp32, bf16, fp16", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_sam_masks_value_is_a_usage_error()
    {
        string images = WriteImages();
        CliResult result = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", _temp.File("bank"), "--extractor", "sam",
            "--sam-model", TestFiles.Data("sam_tiny"), "--sam-masks", "three", "--device", "cpu"]);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("error: --sam-masks: 'three' is not one of best, all", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_prompt_source_is_a_usage_error()
    {
        string images = WriteImages();
        CliResult result = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", _temp.File("bank"), "--extractor", "sam",
            "--sam-model", TestFiles.Data("sam_tiny"), "--sam-prompt-from", "segformer", "--device", "cpu"]);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("error: --sam-prompt-from: unknown extractor 'segformer'", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
