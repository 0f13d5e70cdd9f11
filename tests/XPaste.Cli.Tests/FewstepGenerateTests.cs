using System.Globalization;
using System.Text.Json;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary>
/// <c>xpaste generate</c> with few-step models: every seeded case of sd_fewstep_tiny (LCM, SD-Turbo style, TAESD) as
/// diffusers makes it, and the per-category run with an LCM folder resuming byte-identically.
/// </summary>
public sealed class FewstepGenerateTests
{
    private static string Folder(string name) => TestFiles.Data("generation", "sd_fewstep_tiny", name);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "lcm", "turbo", "taesd" })
        {
            for (int i = 0; i < CasesOf(name).GetArrayLength(); i++)
            {
                data.Add(name, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Seeded_case_matches_diffusers(string name, int index)
    {
        JsonElement c = CasesOf(name)[index];
        using var folder = new TempFolder();
        CliResult result = await CliRunner.RunAsync(Arguments(name, index, c, folder.Path), timeout: TimeSpan.FromMinutes(4));
        Assert.True(result.ExitCode == 0, result.ToString());

        JsonElement tolerance = c.GetProperty("tolerance");
        string[] expected = [.. c.GetProperty("images").EnumerateArray().Select(e => e.GetString()!)];
        for (int i = 0; i < expected.Length; i++)
        {
            GenerateCommandTests.AssertPixelsClose(Path.Combine(Folder(name), expected[i]), folder.File($"{i:D4}.png"),
                tolerance.GetProperty("max_abs").GetInt32(), tolerance.GetProperty("max_fraction_differing").GetDouble());
        }
    }

    [Fact]
    public async Task Lcm_categories_resume_byte_identical_and_refuse_changed_steps_spacing_or_vae_by_name()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("names.txt"), ["kiwi", "drum"]);
        string[] common = ["generate", "--model", Folder("lcm"), "--categories", folder.File("names.txt"), "--per-category", "2",
            "--guidance", "8", "--size", "32", "--seed", "4", "--device", "cpu"];
        CliResult first = await CliRunner.RunAsync([.. common, "--steps", "2", "--out", folder.File("out")], timeout: TimeSpan.FromMinutes(4));
        Assert.True(first.ExitCode == 0, first.ToString());
        string[] files = [.. Directory.EnumerateFiles(folder.File("out"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        var original = files.ToDictionary(f => f, File.ReadAllBytes);

        JsonElement line = JsonDocument.Parse(File.ReadLines(folder.File("out", "kiwi", "metadata.jsonl")).First()).RootElement;
        Assert.Equal("lcm", line.GetProperty("scheduler").GetString());
        Assert.Equal("2", line.GetProperty("steps").GetString());
        Assert.False(line.TryGetProperty("vae", out _));

        // An interrupted run: one image and the drum metadata lost; the rerun makes exactly them again.
        File.Delete(folder.File("out", "kiwi", "0001.png"));
        File.Delete(folder.File("out", "drum", "metadata.jsonl"));
        File.Delete(folder.File("out", "drum", "0000.png"));
        CliResult resumed = await CliRunner.RunAsync([.. common, "--steps", "2", "--out", folder.File("out")], timeout: TimeSpan.FromMinutes(4));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.All(files, f => Assert.Equal(original[f], File.ReadAllBytes(f)));

        string settings = folder.File("out", ".xpaste-generate.json");
        (string[] Extra, string Name)[] changes =
        [
            (["--steps", "3"], "steps"),
            (["--steps", "2", "--timestep-spacing", "trailing"], "timestep_spacing"),
            (["--steps", "2", "--vae", Path.Combine(Folder("taesd"), "vae")], "vae"),
        ];
        foreach (var (extra, name) in changes)
        {
            CliResult refused = await CliRunner.RunAsync([.. common, .. extra, "--out", folder.File("out")], timeout: TimeSpan.FromMinutes(4));
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.StartsWith($"error: {settings}: the images there were made with {name} = ", refused.StdErr.Trim().Split('\n')[^1], StringComparison.Ordinal);
        }
    }

    private static string[] Arguments(string name, int index, JsonElement c, string output)
    {
        static string S(double v) => v.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "generate", "--model", Folder(name), "--prompt", c.GetProperty("prompt").GetString()!,
            "--guidance", S(c.GetProperty("guidance_scale").GetDouble()),
            "--steps", S(c.GetProperty("num_inference_steps").GetInt32()),
            "--width", S(c.GetProperty("width").GetInt32()),
            "--height", S(c.GetProperty("height").GetInt32()),
            "--seed", S(c.GetProperty("seed").GetInt64()),
            "--count", S(c.GetProperty("num_images_per_prompt").GetInt32()),
            "--batch", S(c.GetProperty("num_images_per_prompt").GetInt32()),
            "--out", output,
        };
        string scheduler = c.GetProperty("scheduler").GetString()!;
        switch (scheduler)
        {
            case "euler-a-trailing":
                args.AddRange(["--scheduler", "euler-a", "--timestep-spacing", "trailing"]);
                break;
            case "config" when name == "lcm":
                // The folder's LCMScheduler is chosen without --scheduler; one case names it.
                if (index == 1)
                {
                    args.AddRange(["--scheduler", "lcm"]);
                }

                break;
            default:
                args.AddRange(["--scheduler", scheduler]);
                break;
        }

        if (c.TryGetProperty("negative_prompt", out JsonElement negative) && negative.ValueKind == JsonValueKind.String && negative.GetString()!.Length > 0)
        {
            args.AddRange(["--negative", negative.GetString()!]);
        }

        return [.. args];
    }

    private static JsonElement CasesOf(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(name), "seeded_cases.json")));
        return doc.RootElement.GetProperty("cases").Clone();
    }
}
