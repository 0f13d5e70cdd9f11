using XPaste.Bank;
using XPaste.Tests;

namespace XPaste.Cli.Tests.Commands;

/// <summary>The smaller rough edges a new user met (issue 24): typos, one-line errors, paths, names, empty fields.</summary>
public sealed class UsabilityTests
{
    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    [Fact]
    public async Task A_mistyped_option_suggests_the_nearest_and_its_value_is_not_a_second_error()
    {
        using var temp = new TempFolder();
        CliResult result = await CliRunner.RunAsync(["augment", "--datset", Data("instances.json"), "--images", Data("images"),
            "--policy", "simple", "--out", temp.File("out")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --datset: not an option of 'xpaste augment'; did you mean --dataset?", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain($"error: {Data("instances.json")}", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_option_far_from_every_name_gets_no_suggestion()
    {
        CliResult result = await CliRunner.RunAsync(["inspect", Data("instances.json"), "--zzzzzzzz"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --zzzzzzzz: not a command or option here", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Augment_output_other_settings_is_one_error_line_and_inspect_takes_its_images_folder()
    {
        using var temp = new TempFolder();
        string output = temp.File("out");
        string[] args = ["augment", "--dataset", Data("instances.json"), "--images", Data("images"), "--policy", "simple",
            "--out", output, "--size", "64", "--batch", "2"];
        CliResult first = await CliRunner.RunAsync([.. args, "--seed", "1", "--count", "2"]);
        Assert.True(first.ExitCode == 0, first.ToString());

        CliResult conflict = await CliRunner.RunAsync([.. args, "--seed", "2", "--count", "2"]);
        Assert.Equal(1, conflict.ExitCode);
        string[] lines = conflict.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Matches(@"^error: .*out: it holds a run made with other settings: Seed was 1, now 2 \(--seed\); use a new --out, or --overwrite", lines[^1]);

        // file_name is images/0000.png, relative to the output folder: --images OUT/images means OUT.
        CliResult inspect = await CliRunner.RunAsync(["inspect", Path.Combine(output, "annotations.json"), "--images", Path.Combine(output, "images")]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.DoesNotContain("not found", inspect.StdErr, StringComparison.Ordinal);

        // A larger --count on the finished run extends it.
        CliResult more = await CliRunner.RunAsync([.. args, "--seed", "1", "--count", "3"]);
        Assert.True(more.ExitCode == 0, more.ToString());
        using var annotations = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "annotations.json")));
        Assert.Equal(3, annotations.RootElement.GetProperty("images").GetArrayLength());
    }

    [Fact]
    public async Task Clip_score_labels_rows_by_path()
    {
        using var temp = new TempFolder();
        foreach (string category in new[] { "cat", "cup" })
        {
            Directory.CreateDirectory(temp.File(category));
            File.Copy(Data("images", "coins.png"), temp.File(category, "0000.png"));
        }

        CliResult result = await CliRunner.RunAsync(["clip", "score", "-m", Path.Combine(AppContext.BaseDirectory, "TestData", "clip_tiny"),
            "cat/0000.png", "cup/0000.png", "-t", "a cat", "--device", "cpu"], workingDirectory: temp.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cat/0000.png", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("cup/0000.png", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bank_build_takes_category_names_and_numeric_ids_and_reports_empty_fields_as_none()
    {
        using var temp = new TempFolder();
        string byName = temp.File("by-name");
        CliResult named = await CliRunner.RunAsync(["bank", "build", "--dataset", Data("instances.json"), "--images", Data("images"),
            "--out", byName, "--category", "Horse", "--stats"]);
        Assert.True(named.ExitCode == 0, named.ToString());
        using (InstanceBankReader bank = InstanceBank.Open(byName))
        {
            Assert.NotEmpty(bank.Instances);
            Assert.All(bank.Instances, i => Assert.Equal("horse", i.CategoryName));
        }

        Assert.Contains("wins per extractor: annotation 1;", named.StdOut, StringComparison.Ordinal);

        // An empty bank: the field says so instead of staying blank ("wins per extractor: ;").
        CliResult empty = await CliRunner.RunAsync(["bank", "build", "--dataset", Data("instances.json"), "--images", Data("images"),
            "--out", temp.File("empty"), "--min-area", "100000000", "--stats"]);
        Assert.True(empty.ExitCode == 0, empty.ToString());
        Assert.Contains("wins per extractor: none;", empty.StdOut, StringComparison.Ordinal);

        string byId = temp.File("by-id");
        CliResult numbered = await CliRunner.RunAsync(["bank", "build", "--dataset", Data("instances.json"), "--images", Data("images"), "--out", byId, "--category", "2"]);
        Assert.True(numbered.ExitCode == 0, numbered.ToString());
        Assert.Equal(BankRunShardingTests.Contents(byName), BankRunShardingTests.Contents(byId));

        CliResult unknown = await CliRunner.RunAsync(["bank", "build", "--dataset", Data("instances.json"), "--images", Data("images"), "--out", temp.File("x"), "--category", "zebra"]);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("error: --category: not a category of ", unknown.StdErr, StringComparison.Ordinal);
        Assert.Contains(": zebra (its categories: coin, horse)", unknown.StdErr, StringComparison.Ordinal);
    }
}
