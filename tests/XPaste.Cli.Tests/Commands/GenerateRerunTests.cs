using XPaste.Tests;

namespace XPaste.Cli.Tests.Commands;

/// <summary>Plain <c>generate</c> recognises a finished folder, or refuses another run's settings, before it loads the model.</summary>
public sealed class GenerateRerunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A folder named like the tiny model whose files are garbage: loading it fails, so a success proves it was not loaded.</summary>
    private string GarbageModel()
    {
        string folder = _temp.File("elsewhere", "sd_tiny");
        Directory.CreateDirectory(Path.Combine(folder, "unet"));
        File.WriteAllText(Path.Combine(folder, "model_index.json"), "not json");
        File.WriteAllText(Path.Combine(folder, "unet", "config.json"), "{");
        return folder;
    }

    private string[] Args(string model, string output = "out", string count = "2") =>
        ["generate", "--model", model, "--prompt", "a red apple", "--steps", "1", "--size", "32", "--scheduler", "euler", "--guidance", "7.5", "--seed", "5", "--count", count, "--out", _temp.File(output)];

    [Fact]
    public async Task A_finished_folder_is_recognised_without_loading_the_model()
    {
        CliResult first = await CliRunner.RunAsync(Args(TestFiles.Data("generation", "sd_tiny")));
        Assert.True(first.ExitCode == 0, first.ToString());
        string garbage = GarbageModel();

        // The garbage model cannot be loaded: without the early check this fails.
        CliResult unloadable = await CliRunner.RunAsync(Args(garbage, "fresh"));
        Assert.Equal(1, unloadable.ExitCode);
        Assert.Contains("error: ", unloadable.StdErr, StringComparison.Ordinal);
        CliResult rerun = await CliRunner.RunAsync(Args(garbage));
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal($"all 2 image(s) are already in {_temp.File("out")}", rerun.StdErr.Trim());

        // Fewer images than are there: finished too. More: the model is needed (and fails to load).
        Assert.Equal(0, (await CliRunner.RunAsync(Args(garbage, count: "1"))).ExitCode);
        CliResult more = await CliRunner.RunAsync(Args(garbage, count: "3"));
        Assert.Equal(1, more.ExitCode);
        Assert.DoesNotContain("already", more.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--prompt", "a photo of a pear", "prompt")]
    [InlineData("--steps", "2", "steps")]
    [InlineData("--guidance", "3", "guidance")]
    [InlineData("--scheduler", "ddim", "scheduler")]
    public async Task Another_runs_settings_are_refused_by_name_before_the_model_loads(string option, string value, string setting)
    {
        CliResult first = await CliRunner.RunAsync(Args(TestFiles.Data("generation", "sd_tiny")));
        Assert.True(first.ExitCode == 0, first.ToString());

        string[] changed = [.. Args(GarbageModel())];
        changed[Array.IndexOf(changed, option) + 1] = value;
        CliResult refused = await CliRunner.RunAsync(changed);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"with {setting} = ", refused.StdErr, StringComparison.Ordinal);
        Assert.Contains("--start-over", refused.StdErr, StringComparison.Ordinal);
    }
}
