using System.Text.Json.Nodes;
using XPaste.Tests;

namespace XPaste.Cli.Tests.Commands;

/// <summary>
/// YOLO through the tool: convert both ways, inspect with problems by file and line, and augment a box-only COCO
/// dataset and a YOLO detect dataset end to end (existing objects stay boxes, pasted ones carry masks).
/// </summary>
public sealed class YoloCommandTests
{
    private static string BundledJson => Path.Combine(AppContext.BaseDirectory, "data", "instances.json");

    private static string BundledImages => Path.Combine(AppContext.BaseDirectory, "data", "images");

    private static async Task<string> ConvertAsync(TempFolder temp, string to)
    {
        string folder = temp.File(to);
        CliResult result = await CliRunner.RunAsync(["convert", "--from", BundledJson, "--to", to, "--out", folder]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return folder;
    }

    private static string[] Augment(string dataset, string output, string format) =>
        ["augment", "--dataset", dataset, "--bank", Path.Combine(Path.GetDirectoryName(output)!, "bank"), "--build-bank", "--bank-source", BundledJson,
         "--count", "9", "--batch", "3", "--size", "160", "--seed", "3", "--format", format, "--out", output]; // one epoch: every image, coins and horse included

    [Fact]
    public async Task Convert_coco_to_yolo_segment_and_back_keeps_every_non_crowd_object()
    {
        using var temp = new TempFolder();
        string yolo = await ConvertAsync(temp, "yolo-segment");
        Assert.True(File.Exists(Path.Combine(yolo, "data.yaml")));
        CliResult back = await CliRunner.RunAsync(["convert", "--from", Path.Combine(yolo, "data.yaml"), "--to", "coco", "--out", temp.File("coco")]);
        Assert.True(back.ExitCode == 0, back.ToString());
        JsonObject coco = JsonNode.Parse(File.ReadAllText(temp.File("coco", "annotations.json")))!.AsObject();
        Assert.Equal(9, coco["images"]!.AsArray().Count);
        Assert.Equal(19, coco["annotations"]!.AsArray().Count);
        Assert.True(File.Exists(temp.File("coco", "images", "horse.png")));
        CliResult wrong = await CliRunner.RunAsync(["convert", "--from", BundledJson, "--to", "coco", "--out", temp.File("x")]);
        Assert.Equal(2, wrong.ExitCode);
    }

    [Fact]
    public async Task Inspect_counts_a_yolo_dataset_per_class_and_names_bad_lines_by_file_and_line()
    {
        using var temp = new TempFolder();
        string yolo = await ConvertAsync(temp, "yolo-detect");
        CliResult good = await CliRunner.RunAsync(["inspect", Path.Combine(yolo, "data.yaml")]);
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Matches(@"0\s+coin\s+1\s+18\s+18\s+0", good.StdOut);
        string labels = Path.Combine(yolo, "labels", "horse.txt");
        File.AppendAllText(labels, "5 0.5 0.5 0.1 0.1\n");
        CliResult bad = await CliRunner.RunAsync(["inspect", Path.Combine(yolo, "data.yaml")]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{labels}:2: class 5 is not in names (classes 0-1)", bad.StdErr, StringComparison.Ordinal);
        CliResult augment = await CliRunner.RunAsync(["augment", "--dataset", Path.Combine(yolo, "data.yaml"), "--policy", "simple", "--out", temp.File("out"), "--count", "1", "--size", "64"]);
        Assert.Equal(1, augment.ExitCode);
        Assert.Contains($"error: {labels}:2: class 5", augment.StdErr, StringComparison.Ordinal);
        CliResult skipped = await CliRunner.RunAsync(["augment", "--dataset", Path.Combine(yolo, "data.yaml"), "--policy", "simple", "--out", temp.File("out"), "--count", "1", "--size", "64", "--skip-bad-labels"]);
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Contains("skipped 1 bad labels", skipped.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_yolo_detect_dataset_augments_to_yolo_detect_labels()
    {
        using var temp = new TempFolder();
        string yolo = await ConvertAsync(temp, "yolo-detect");
        string output = temp.File("out");
        CliResult result = await CliRunner.RunAsync(Augment(Path.Combine(yolo, "data.yaml"), output, "yolo-detect"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0: 'coin'", File.ReadAllText(Path.Combine(output, "data.yaml")), StringComparison.Ordinal);
        string[] lines = [.. Directory.EnumerateFiles(Path.Combine(output, "labels")).Order().SelectMany(File.ReadAllLines)];
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(@"^[01]( [01]\.[0-9]{6}){4}$", l));
        AssertBoxesAndMasks(Path.Combine(output, "annotations.json"));
        CliResult inspect = await CliRunner.RunAsync(["inspect", Path.Combine(output, "data.yaml")]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
    }

    [Fact]
    public async Task A_box_only_coco_dataset_augments_end_to_end()
    {
        using var temp = new TempFolder();
        JsonObject root = JsonNode.Parse(File.ReadAllText(BundledJson))!.AsObject();
        foreach (JsonNode? annotation in root["annotations"]!.AsArray())
        {
            annotation!.AsObject().Remove("segmentation");
        }

        string json = temp.File("boxes.json");
        File.WriteAllText(json, root.ToJsonString());
        string output = temp.File("out");
        CliResult result = await CliRunner.RunAsync([.. Augment(json, output, "yolo-segment"), "--images", BundledImages]);
        Assert.True(result.ExitCode == 0, result.ToString());
        AssertBoxesAndMasks(Path.Combine(output, "annotations.json"));
        // Segment labels: a box-only object is its box's 4 corners, a pasted one a polygon.
        Assert.All(Directory.EnumerateFiles(Path.Combine(output, "labels")).SelectMany(File.ReadAllLines), l => Assert.True(l.Split(' ').Length >= 9, l));
    }

    /// <summary>Existing objects (is_pasted false) are boxes without segmentation; pasted objects have masks; both kinds occur.</summary>
    private static void AssertBoxesAndMasks(string annotationsJson)
    {
        JsonArray annotations = JsonNode.Parse(File.ReadAllText(annotationsJson))!["annotations"]!.AsArray();
        var existing = annotations.Where(a => !a!["is_pasted"]!.GetValue<bool>()).ToList();
        var pasted = annotations.Where(a => a!["is_pasted"]!.GetValue<bool>()).ToList();
        Assert.NotEmpty(existing);
        Assert.NotEmpty(pasted);
        Assert.All(existing, a => Assert.Null(a!["segmentation"]));
        Assert.All(pasted, a => Assert.NotNull(a!["segmentation"]));
    }
}
