using System.Text.Json;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using XPaste.Tests;
using static TorchSharp.torch;

namespace XPaste.Cli.Tests.Commands;

/// <summary><c>--real-crops DATASET --min-real-similarity S</c> of <c>bank extract</c> / <c>bank run</c>: what is filtered, and wrong values named.</summary>
public sealed class RealCropOptionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Fire hydrants and kettles (3 each): coloured rectangles on white; the first hydrant is the dataset's real one.</summary>
    private string WriteImages()
    {
        string root = _temp.File("generated");
        int k = 0;
        foreach (string category in new[] { "fire_hydrant", "kettle" })
        {
            for (int i = 0; i < 3; i++, k++)
            {
                using Tensor image = full(new long[] { 3, 64, 64 }, 255, ScalarType.Byte);
                image.narrow(1, 16, 24).narrow(2, 12, 32).copy_(Texture(k));
                ImageIO.SavePng(image, Path.Combine(root, category, $"{i:0000}.png"));
            }
        }

        return root;
    }

    private static Tensor Texture(long seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return randint(0, 160, [3, 24, 32], ScalarType.Byte, generator: generator);
    }

    /// <summary>An LVIS-style dataset (<c>fire hydrant</c>, no kettle) whose one object is the first hydrant's rectangle, on grey.</summary>
    private string WriteDataset()
    {
        Directory.CreateDirectory(_temp.File("real"));
        using (Tensor image = full(new long[] { 3, 48, 80 }, 128, ScalarType.Byte))
        {
            image.narrow(1, 4, 24).narrow(2, 40, 32).copy_(Texture(0));
            ImageIO.SavePng(image, _temp.File("real", "street.png"));
        }

        using Tensor mask = zeros(48, 80, ScalarType.Bool);
        mask.narrow(0, 4, 24).narrow(1, 40, 32).fill_(true);
        var dataset = new CocoDataset
        {
            Images = [new CocoImage { Id = 1, Width = 80, Height = 48, FileName = "street.png" }],
            Categories = [new CocoCategory { Id = 5, Name = "fire hydrant" }],
            Annotations = [CocoAnnotation.FromMask(1, 1, 5, MaskCodec.EncodeOne(mask))],
        };
        string path = _temp.File("real", "real.json");
        dataset.Save(path);
        return path;
    }

    private string[] Extract(params string[] extra) =>
        ["bank", "extract", "--images", WriteImages(), "--out", _temp.File("bank"), "--extractor", "plain", "--device", "cpu", .. extra];

    [Fact]
    public async Task Cut_outs_unlike_the_real_crops_are_rejected_and_a_category_without_any_is_kept_with_a_warning()
    {
        string dataset = WriteDataset();
        CliResult extract = await CliRunner.RunAsync(Extract("--clip", TestFiles.Data("clip_tiny"), "--tolerance", "1000",
            "--real-crops", dataset, "--min-real-similarity", "0.999"));
        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.Contains("real-crop similarity >= 0.999", extract.StdErr, StringComparison.Ordinal);
        Assert.Contains($"kettle: {dataset} has no usable real object", extract.StdErr, StringComparison.Ordinal);

        CliResult stats = await CliRunner.RunAsync(["bank", "stats", _temp.File("bank"), "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using JsonDocument doc = JsonDocument.Parse(stats.StdOut);
        // The two other hydrants are unlike the real one; the copy and every kettle (nothing to compare with) stay.
        Assert.Equal(4, doc.RootElement.GetProperty("instances").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("rejection_reasons").GetProperty("real_similarity").GetInt32());
    }

    [Theory]
    [InlineData(new[] { "--min-real-similarity", "2", "--real-crops", "REAL" }, "error: --min-real-similarity: must be between -1 and 1 (a cosine), got 2")]
    [InlineData(new[] { "--min-real-similarity", "0.3" }, "error: --min-real-similarity: needs --real-crops")]
    [InlineData(new[] { "--real-crops", "REAL" }, "error: --real-crops: needs --min-real-similarity")]
    [InlineData(new[] { "--real-crops", "REAL", "--min-real-similarity", "0.3", "--no-clip" }, "error: --min-real-similarity: needs --clip")]
    public async Task A_wrong_combination_is_a_usage_error(string[] options, string message)
    {
        string dataset = WriteDataset();
        string[] args = [.. options.Where(o => o != "--no-clip").Select(o => o == "REAL" ? dataset : o)];
        string[] clip = options.Contains("--no-clip") ? [] : ["--clip", TestFiles.Data("clip_tiny")];
        CliResult result = await CliRunner.RunAsync(Extract([.. clip, .. args]));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith(message, result.StdErr.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("bank")), "nothing is written before the options are checked");
    }

    [Fact]
    public async Task A_missing_dataset_is_bad_data_naming_the_file()
    {
        string missing = _temp.File("missing.json");
        CliResult result = await CliRunner.RunAsync(Extract("--clip", TestFiles.Data("clip_tiny"), "--real-crops", missing, "--min-real-similarity", "0.3"));
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains($"error: {missing}", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }
}
