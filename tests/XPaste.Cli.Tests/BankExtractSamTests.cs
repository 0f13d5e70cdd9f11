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

    /// <summary>Runs <c>bank extract --extractor u2netp,sam</c> with the tiny models and CLIP into a new bank; it must succeed.</summary>
    private async Task<(string Bank, CliResult Extract)> ExtractWithSamAsync(params string[] samOptions)
    {
        string images = WriteImages();
        string bank = _temp.File("bank");
        CliResult extract = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", bank, "--extractor", "u2netp,sam",
            "--weights", Path.Combine(TestFiles.Data("u2netp"), "model.safetensors"), "--sam-model", TestFiles.Data("sam_tiny"), .. samOptions,
            "--clip", TestFiles.Data("clip_tiny"), "--device", "cpu", "--batch-size", "4", "--min-area", "0.01", "--max-area", "0.99"]);
        Assert.True(extract.ExitCode == 0, extract.ToString());
        return (bank, extract);
    }

    /// <summary><c>bank stats --json</c>: instances, rejected images, and wins and runner-up places by extractor name.</summary>
    private static async Task<(int Instances, int Rejected, Dictionary<string, int> Wins, Dictionary<string, int> RunnersUp, string Json)> StatsAsync(string bank)
    {
        CliResult stats = await CliRunner.RunAsync(["bank", "stats", bank, "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using JsonDocument doc = JsonDocument.Parse(stats.StdOut);
        JsonElement root = doc.RootElement;
        return (root.GetProperty("instances").GetInt32(), root.GetProperty("rejected").GetInt32(),
            root.GetProperty("extractors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()),
            root.GetProperty("runners_up").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()), stats.StdOut);
    }

    [Fact]
    public async Task Sam_refines_the_u2netp_masks_and_the_bank_records_sam_winners_and_runners_up()
    {
        var (bank, extract) = await ExtractWithSamAsync();
        Assert.Contains("extractors u2netp, sam", extract.StdErr, StringComparison.Ordinal);

        var (instances, rejected, wins, runnersUp, json) = await StatsAsync(bank);
        Assert.Equal(6, instances + rejected);
        Assert.True(instances > 0, json);
        Assert.Subset(new HashSet<string> { "u2netp", "sam" }, wins.Keys.ToHashSet());
        Assert.Equal(instances, wins.Values.Sum());
        // Both masks of every kept image were scored: sam's is either the winner or the runner-up of each.
        Assert.Equal(instances, runnersUp.Values.Sum());
        Assert.Equal(instances, wins.GetValueOrDefault("sam") + runnersUp.GetValueOrDefault("sam"));
    }

    [Fact]
    public async Task Sam_masks_all_hands_the_three_outputs_to_clip_and_the_bank_records_sam_k_names()
    {
        var (bank, _) = await ExtractWithSamAsync("--sam-masks", "all", "--sam-point", "centroid");

        var (instances, _, wins, runnersUp, json) = await StatsAsync(bank);
        Assert.True(instances > 0, json);
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
        var (bank, extract) = await ExtractWithSamAsync("--sam-dtype", "bf16");
        Assert.Contains("sam in bf16", extract.StdErr, StringComparison.Ordinal);

        var (instances, rejected, wins, runnersUp, json) = await StatsAsync(bank);
        Assert.Equal(6, instances + rejected);
        Assert.True(instances > 0, json);
        // SAM's bf16 masks were scored for every kept image: each instance has sam as its winner or runner-up.
        Assert.Equal(instances, wins.GetValueOrDefault("sam") + runnersUp.GetValueOrDefault("sam"));
    }

    [Theory]
    [InlineData("--sam-dtype", "fp8", "error: --sam-dtype: 'fp8' is not one of fp32, bf16, fp16")]
    [InlineData("--sam-masks", "three", "error: --sam-masks: 'three' is not one of best, all")]
    [InlineData("--sam-prompt-from", "segformer", "error: --sam-prompt-from: unknown extractor 'segformer'")]
    public async Task A_wrong_sam_option_value_is_a_usage_error(string option, string value, string message)
    {
        string images = WriteImages();
        CliResult result = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", _temp.File("bank"), "--extractor", "sam",
            "--sam-model", TestFiles.Data("sam_tiny"), option, value, "--device", "cpu"]);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
