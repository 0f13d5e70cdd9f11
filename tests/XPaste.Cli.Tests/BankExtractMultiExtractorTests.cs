using System.Text.Json;
using XPaste.Imaging;
using XPaste.Tests;
using static TorchSharp.torch;

namespace XPaste.Cli.Tests;

/// <summary><c>xpaste bank extract --extractor plain,clipseg</c> with tiny models: every extractor runs, the bank records winners and runners-up.</summary>
public sealed class BankExtractMultiExtractorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Model(string name) => TestFiles.Data(name);

    /// <summary>Two categories of 64x64 images: a coloured rectangle on a light background.</summary>
    private string WriteImages()
    {
        string root = _temp.File("generated");
        int k = 0;
        foreach (string category in new[] { "fire_hydrant", "kettle" })
        {
            for (int i = 0; i < 3; i++, k++)
            {
                using Tensor image = full(new long[] { 3, 64, 64 }, 220, ScalarType.Byte);
                int side = 20 + (8 * i);
                image.narrow(1, 8 + i, side).narrow(2, 10, side).copy_(tensor(new byte[] { (byte)(40 + (30 * k)), 90, 160 }).view(3, 1, 1).expand(3, side, side));
                ImageIO.SavePng(image, Path.Combine(root, category, $"{i:0000}.png"));
            }
        }

        return root;
    }

    [Fact]
    public async Task Every_listed_extractor_runs_and_the_bank_records_the_winner_and_the_runners_up()
    {
        string images = WriteImages();
        string bank = _temp.File("bank");
        CliResult extract = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", bank, "--extractor", "plain,clipseg",
            "--clipseg-model", Model("clipseg_tiny"), "--clip", Model("clip_tiny"), "--device", "cpu", "--batch-size", "4"]);
        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.Contains("extractors plain, clipseg", extract.StdErr, StringComparison.Ordinal);

        CliResult stats = await CliRunner.RunAsync(["bank", "stats", bank, "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using JsonDocument doc = JsonDocument.Parse(stats.StdOut);
        JsonElement root = doc.RootElement;
        int instances = root.GetProperty("instances").GetInt32();
        int rejected = root.GetProperty("rejected").GetInt32();
        Assert.Equal(6, instances + rejected);
        Dictionary<string, int> wins = root.GetProperty("extractors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Dictionary<string, int> runnersUp = root.GetProperty("runners_up").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Subset(new HashSet<string> { "plain", "clipseg" }, wins.Keys.ToHashSet());
        Assert.Equal(instances, wins.Values.Sum());
        // Both masks of every image were scored, so each kept instance has exactly one runner-up, the other extractor.
        Assert.Equal(instances, runnersUp.Values.Sum());
        Assert.All(wins, w => Assert.Equal(w.Value, instances - runnersUp.GetValueOrDefault(w.Key)));
        Assert.Equal(rejected, root.GetProperty("rejection_reasons").EnumerateObject().Sum(p => p.Value.GetInt32()));

        CliResult table = await CliRunner.RunAsync(["bank", "stats", bank]);
        Assert.Contains("wins per extractor:", table.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("u2net,segformer", ExitCodes.Usage, "error: --extractor: unknown extractor 'segformer'")]
    [InlineData("u2net,u2netp", ExitCodes.Usage, "error: --extractor: u2net and u2netp")]
    [InlineData("plain,clipseg", ExitCodes.Failure, "error: --clipseg-model: the clipseg extractor needs")]
    [InlineData("plain,sam", ExitCodes.Failure, "error: --sam-model: the sam extractor needs")]
    public async Task Bad_extractor_lists_are_named_without_a_stack_trace(string list, int exitCode, string message)
    {
        string images = WriteImages();
        CliResult result = await CliRunner.RunAsync(["bank", "extract", "--images", images, "--out", _temp.File("bank"), "--extractor", list, "--device", "cpu"]);
        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
