using System.Text.Json;
using XPaste.Imaging;
using XPaste.Tests;

namespace XPaste.Cli.Tests.Commands;

/// <summary>
/// <c>xpaste</c> with no arguments (what <c>dotnet run --project samples/XPaste.Cli</c> does) pastes real objects cut
/// from the bundled photos, labelled by name, and previews each augmented image beside its original.
/// </summary>
public sealed class DefaultJobTests
{
    [Fact]
    public async Task The_default_job_pastes_the_bundled_real_objects_and_previews_pairs()
    {
        using var temp = new TempFolder();
        CliResult result = await CliRunner.RunAsync([], workingDirectory: temp.Path, timeout: TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.ToString());
        string output = Path.Combine(temp.Path, "xpaste-out", "augmented");

        using JsonDocument coco = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "annotations.json")));
        Dictionary<int, string> categories = coco.RootElement.GetProperty("categories").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetInt32(), c => c.GetProperty("name").GetString()!);
        string[] objects = ["person", "cat", "cup", "rocket"];
        Assert.Subset(categories.Values.ToHashSet(), objects.ToHashSet());
        HashSet<string> pasted = [.. coco.RootElement.GetProperty("annotations").EnumerateArray()
            .Where(a => a.GetProperty("is_pasted").GetBoolean())
            .Select(a => categories[a.GetProperty("category_id").GetInt32()])];
        // X-Paste pastes the real objects (Simple Copy-Paste, the other half of "both", the dataset's coins and horse).
        Assert.True(pasted.Intersect(objects).Count() >= 3, $"pasted: {string.Join(", ", pasted)}");

        // The preview: the first batch (8 samples), each as a pair of 320-px tiles (original, augmented), 2 pairs a row.
        ImageHeader preview = ImageIO.ReadHeader(Path.Combine(output, "preview.png"));
        Assert.Equal((2 * ((2 * 320) + 4)) + 12, preview.Width);
        Assert.Equal((4 * 320) + (3 * 12), preview.Height);

        CliResult inspect = await CliRunner.RunAsync(["inspect", Path.Combine(output, "annotations.json"), "--images", output]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
    }
}
