using System.Text.Json.Nodes;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary>Bad data met through the tool: refused by name with exit code 1, or accepted and said so.</summary>
public sealed class BadInputTests
{
    private static string BundledJson => Path.Combine(AppContext.BaseDirectory, "data", "instances.json");

    private static string BundledImages => Path.Combine(AppContext.BaseDirectory, "data", "images");

    /// <summary>The bundled dataset, changed by <paramref name="edit"/>, written to <paramref name="path"/>.</summary>
    private static string WriteDataset(string path, Action<JsonObject> edit)
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(BundledJson))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    [Fact]
    public async Task A_dataset_without_annotations_is_refused_as_a_source_and_accepted_as_destinations_with_a_note()
    {
        using var temp = new TempFolder();
        string json = WriteDataset(temp.File("images-only.json"), root => root.Remove("annotations"));

        CliResult build = await CliRunner.RunAsync(["bank", "build", "--dataset", json, "--images", BundledImages, "--out", temp.File("bank")]);
        CliResult augment = await CliRunner.RunAsync(["augment", "--dataset", json, "--images", BundledImages, "--policy", "simple", "--out", temp.File("out"), "--count", "1", "--size", "64"]);

        Assert.True(build.ExitCode == 1, build.ToString());
        Assert.Equal($"error: {json}: has no annotations key: it lists images only, so there are no objects to cut out (it can be a destination for augment)", build.StdErr.Trim());
        Assert.False(Directory.Exists(temp.File("bank")));
        Assert.True(augment.ExitCode == 0, augment.ToString());
        Assert.Contains($"{json}: no annotations key: its images are destinations only", augment.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_names_bad_boxes_missing_ids_and_polygons_outside_the_image()
    {
        using var temp = new TempFolder();
        long boxId = 0, polygonId = 0;
        string json = WriteDataset(temp.File("bad.json"), root =>
        {
            JsonArray annotations = root["annotations"]!.AsArray();
            boxId = annotations[0]!["id"]!.GetValue<long>();
            annotations[0]!["bbox"] = new JsonArray(10, 10, -4, 5);
            annotations[1]!.AsObject().Remove("id");
            JsonObject polygon = annotations.Skip(2).Select(a => a!.AsObject()).First(a => a["segmentation"] is JsonArray && a["image_id"]!.GetValue<long>() == 1);
            polygonId = polygon["id"]!.GetValue<long>();
            polygon["segmentation"] = new JsonArray(new JsonArray(1000, 1000, 1010, 1000, 1010, 1010));
            polygon.Remove("bbox");
        });

        CliResult result = await CliRunner.RunAsync(["inspect", json]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{json}: annotation {boxId}: bbox [10, 10, -4, 5] has a negative width or height", result.StdErr, StringComparison.Ordinal);
        Assert.Contains($"{json}: annotations[1]: has no id", result.StdErr, StringComparison.Ordinal);
        Assert.Contains($"{json}: annotation {polygonId}: polygon lies entirely outside the 384x303 image", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Augment_names_the_dataset_when_an_image_path_escapes_its_folder()
    {
        using var temp = new TempFolder();
        string json = WriteDataset(temp.File("escape.json"), root =>
        {
            foreach (JsonNode? image in root["images"]!.AsArray())
            {
                image!["file_name"] = "../../" + image["file_name"]!.GetValue<string>();
            }
        });

        CliResult result = await CliRunner.RunAsync(["augment", "--dataset", json, "--images", BundledImages, "--policy", "simple", "--out", temp.File("out"), "--count", "1", "--size", "64"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        string error = Assert.Single(result.StdErr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Matches($"^error: {System.Text.RegularExpressions.Regex.Escape(json)} image [0-9]+: path '../../.*' escapes its folder", error);
    }

    [Fact]
    public async Task The_quality_selection_keeps_no_cut_out_below_its_minimum_side_and_says_so()
    {
        using var temp = new TempFolder();
        CliResult quality = await CliRunner.RunAsync(["bank", "extract", "--images", BundledImages, "--category", "thing", "--out", temp.File("bank"),
            "--selection", "quality", "--min-cutout-side", "48", "--verbose"]);

        Assert.True(quality.ExitCode == 0, quality.ToString());
        Assert.Contains("; quality selection;", quality.StdErr, StringComparison.Ordinal);
        using var bank = XPaste.Bank.InstanceBank.Open(temp.File("bank"));
        Assert.All(bank.Instances, i => Assert.True(Math.Min(i.Width, i.Height) >= 48, $"{i.Width}x{i.Height}"));
        var tooSmall = bank.Rejections.Where(r => r.Kind == XPaste.Bank.RejectionKind.CutoutTooSmall).ToList();
        Assert.All(tooSmall, r => Assert.True(r.Value < 48 && r.Limit == 48, r.Text));
        Assert.True(bank.Count + tooSmall.Count > 0, quality.StdErr);
    }

    [Fact]
    public async Task Bank_extract_says_what_it_rejected_and_why_and_bank_verify_finds_a_changed_cut_out()
    {
        using var temp = new TempFolder();
        string bank = temp.File("bank");

        CliResult extract = await CliRunner.RunAsync(["bank", "extract", "--images", BundledImages, "--category", "thing", "--out", bank, "--verbose"]);

        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.Contains("instances added (", extract.StdErr, StringComparison.Ordinal);
        Assert.Contains("images rejected;", extract.StdErr, StringComparison.Ordinal);
        Assert.Matches(@"\nrejected:\n *[0-9]+  area_below_min\n", extract.StdErr);
        Assert.Matches(@"\n  \S+/[a-z]+\.(png|jpg): area_below_min: mask area 0\.[0-9]{3} < 0\.05 \(plain\)", extract.StdErr);

        // One kind name per cause: bank stats (table and JSON) count the same kind the extract report printed.
        CliResult stats = await CliRunner.RunAsync(["bank", "stats", bank, "--json"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        using (var json = System.Text.Json.JsonDocument.Parse(stats.StdOut))
        {
            Assert.Equal(["area_below_min"], json.RootElement.GetProperty("rejection_reasons").EnumerateObject().Select(p => p.Name));
        }

        Assert.DoesNotContain("()", extract.StdErr, StringComparison.Ordinal);

        CliResult intact = await CliRunner.RunAsync(["bank", "verify", bank]);
        Assert.True(intact.ExitCode == 0, intact.ToString());

        string png = Directory.EnumerateFiles(Path.Combine(bank, "images"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        byte[] bytes = File.ReadAllBytes(png);
        bytes[^30] ^= 0x40;
        File.WriteAllBytes(png, bytes);
        CliResult changed = await CliRunner.RunAsync(["bank", "verify", bank]);

        Assert.True(changed.ExitCode == 1, changed.ToString());
        Assert.StartsWith($"error: {png}: instance '", changed.StdErr, StringComparison.Ordinal);
        Assert.Contains("differs from the manifest's", changed.StdErr, StringComparison.Ordinal);
        Assert.Contains("1 of ", changed.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clip_tokenize_works_offline_without_a_model()
    {
        using var temp = new TempFolder();
        var offline = new Dictionary<string, string?> { ["HF_HUB_OFFLINE"] = "1", ["HF_HOME"] = temp.Path, ["HF_ENDPOINT"] = "http://127.0.0.1:9" };

        CliResult result = await CliRunner.RunAsync(["clip", "tokenize", "a photo of a cat", "a diagram"], environment: offline);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("49406 320 1125 539 320 2368 49407\n49406 320 22697 49407", result.StdOut.Trim().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_stack_trace_only_with_debug()
    {
        CliResult plain = await CliRunner.RunAsync(["inspect", "/nonexistent/instances.json"]);
        CliResult debug = await CliRunner.RunAsync(["inspect", "/nonexistent/instances.json", "--debug"]);
        CliResult environment = await CliRunner.RunAsync(["inspect", "/nonexistent/instances.json"], environment: new Dictionary<string, string?> { ["XPASTE_DEBUG"] = "1" });

        Assert.Equal((1, "error: /nonexistent/instances.json: file not found"), (plain.ExitCode, plain.StdErr.Trim()));
        Assert.Equal(1, debug.ExitCode);
        Assert.Contains("   at ", debug.StdErr, StringComparison.Ordinal);
        Assert.Contains("   at ", environment.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Folders_where_files_belong_and_missing_banks_are_named()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("images"));

        CliResult folder = await CliRunner.RunAsync(["inspect", temp.Path]);
        CliResult noBank = await CliRunner.RunAsync(["augment", "--dataset", BundledJson, "--images", BundledImages, "--out", temp.File("out"), "--size", "64"]);
        CliResult notABank = await CliRunner.RunAsync(["augment", "--dataset", BundledJson, "--images", BundledImages, "--bank", temp.File("images"), "--out", temp.File("out2"), "--size", "64"]);
        CliResult images = await CliRunner.RunAsync(["augment", "--dataset", BundledJson, "--images", temp.File("images"), "--policy", "simple", "--out", temp.File("out3"), "--count", "1", "--size", "64"]);

        Assert.Equal((1, $"error: {temp.Path}: is neither a COCO JSON file nor a YOLO dataset: no data.yaml, and no images in {temp.File("images")}"),
            (folder.ExitCode, folder.StdErr.Trim()));
        Assert.Equal((2, "error: --bank: the xpaste policy pastes from an instance bank; give --bank BANK (or --policy simple)"), (noBank.ExitCode, noBank.StdErr.Trim()));
        Assert.Equal(1, notABank.ExitCode);
        Assert.EndsWith($"error: {temp.File("images")}: no instance bank here (build one with xpaste bank, or pass --build-bank to cut the dataset's objects into it)", notABank.StdErr.Trim(), StringComparison.Ordinal);
        Assert.Equal(1, images.ExitCode);
        Assert.Matches($"error: {System.Text.RegularExpressions.Regex.Escape(temp.File("images"))}/[a-z]+\\.(png|jpg): file not found", images.StdErr);
    }
}
