using System.Text.Json;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary><c>bank run</c> with a few-step generator: an LCM folder decoded by TAESD (<c>--vae</c>), recorded and compared on resume.</summary>
public sealed class FewstepBankRunTests : IDisposable
{
    private static readonly string Lcm = Path.Combine(AppContext.BaseDirectory, "TestData", "generation", "sd_fewstep_tiny", "lcm");
    private static readonly string Taesd = Path.Combine(AppContext.BaseDirectory, "TestData", "generation", "sd_fewstep_tiny", "taesd", "vae");
    private static readonly string Dataset = Path.Combine(AppContext.BaseDirectory, "data", "instances.json");
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] RunArgs(string output, params string[] extra) =>
        ["bank", "run", "--categories", Dataset, "--category", "coin", "--model", Lcm, "--guidance", "8", "--size", "64", "--per-category", "2",
         "--extractor", "plain", "--device", "cpu", "--out", output, .. extra];

    [Fact]
    public async Task Lcm_with_taesd_records_scheduler_steps_and_vae_and_refuses_a_changed_one_by_name()
    {
        string root = _temp.File("run");
        CliResult first = await CliRunner.RunAsync(RunArgs(root, "--steps", "2", "--vae", Taesd), timeout: TimeSpan.FromMinutes(5));
        Assert.True(first.ExitCode == 0, first.ToString());
        JsonElement line = JsonDocument.Parse(File.ReadLines(Path.Combine(root, "images", "coin", "metadata.jsonl")).First()).RootElement;
        Assert.Equal("lcm", line.GetProperty("scheduler").GetString());
        Assert.Equal("2", line.GetProperty("steps").GetString());
        Assert.Equal("vae", line.GetProperty("vae").GetString());

        CliResult steps = await CliRunner.RunAsync(RunArgs(root, "--steps", "4", "--vae", Taesd), timeout: TimeSpan.FromMinutes(5));
        Assert.Equal(1, steps.ExitCode);
        Assert.Contains("steps = '2'", steps.StdErr, StringComparison.Ordinal);
        CliResult vae = await CliRunner.RunAsync(RunArgs(root, "--steps", "2"), timeout: TimeSpan.FromMinutes(5));
        Assert.Equal(1, vae.ExitCode);
        Assert.Contains("vae = 'vae'", vae.StdErr, StringComparison.Ordinal);
    }
}
