using XPaste.Yolo;

namespace XPaste.Tests.Yolo;

/// <summary>YOLO datasets: every layout data.yaml allows, and every bad label line refused by file and line (or skipped and counted).</summary>
public sealed class YoloDatasetTests
{
    [Fact]
    public void Detect_and_segment_lines_are_read_with_the_image_size()
    {
        using var temp = new TempFolder();
        string yaml = YoloFixture.Standard(temp.Path, "0 0.5 0.5 0.2 0.4\n\n1 0.1 0.1 0.3 0.1 0.2 0.5\n");
        YoloDataset dataset = YoloDataset.Load(yaml);
        Assert.Equal(["cat", "dog"], dataset.Names);
        YoloImage image = Assert.Single(dataset.Images);
        Assert.Equal((40, 20), (image.Width, image.Height));
        Assert.Equal(2, image.Objects.Count);
        Assert.True(image.Objects[0].IsBoxOnly);
        Assert.Equal((0.5, 0.5, 0.2, 0.4), (image.Objects[0].CenterX, image.Objects[0].CenterY, image.Objects[0].Width, image.Objects[0].Height));
        YoloObject segment = image.Objects[1];
        Assert.Equal(1, segment.ClassId);
        Assert.Equal(3, segment.Line);
        // The box of a segment is its points' extent, as Ultralytics' segments2boxes.
        Assert.Equal(0.2, segment.CenterX, 12);
        Assert.Equal(0.3, segment.CenterY, 12);
        Assert.Equal(0.2, segment.Width, 12);
        Assert.Equal(0.4, segment.Height, 12);
        Assert.False(dataset.IsBoxOnly);
    }

    [Fact]
    public void An_image_without_a_label_file_is_a_background_image()
    {
        using var temp = new TempFolder();
        string yaml = YoloFixture.Standard(temp.Path, "0 0.5 0.5 0.2 0.4\n");
        YoloFixture.Image(temp.File("images", "train", "b.png"));
        YoloDataset dataset = YoloDataset.Load(yaml);
        Assert.Equal(2, dataset.Images.Count);
        YoloImage background = dataset.Images[1];
        Assert.False(background.HasLabelFile);
        Assert.Empty(background.Objects);
        Assert.Equal(temp.File("labels", "train", "b.txt"), background.LabelPath);
    }

    [Theory]
    [InlineData("0 0.5 0.5 1.2 0.4", "value 4 (1.2) is outside [0, 1]")]
    [InlineData("0 -0.1 0.5 0.2 0.4", "value 2 (-0.1) is outside [0, 1]")]
    [InlineData("2 0.5 0.5 0.2 0.4", "class 2 is not in names (classes 0-1)")]
    [InlineData("0 0.1 0.1 0.3 0.1 0.2", "5 coordinates: expected 4 (a box) or an even number")]
    [InlineData("0 0.1 0.1", "polygon has 1 point(s), fewer than 3")]
    [InlineData("1", "polygon has 0 point(s), fewer than 3")]
    [InlineData("0 0.5 abc 0.2 0.4", "'abc' (value 3) is not a number")]
    [InlineData("0.5 0.5 0.5 0.2 0.4", "class '0.5' is not a whole number")]
    [InlineData("0 0.5 0.5 0 0.4", "the box has zero width or height")]
    public void A_bad_line_is_refused_naming_the_file_and_line(string line, string problem)
    {
        using var temp = new TempFolder();
        string yaml = YoloFixture.Standard(temp.Path, $"0 0.5 0.5 0.2 0.4\n{line}\n");
        var ex = Assert.Throws<InvalidInputException>(() => YoloDataset.Load(yaml));
        Assert.Equal(temp.File("labels", "train", "a.txt") + ":2", ex.Input);
        Assert.StartsWith(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_lines_are_skipped_and_listed_when_asked()
    {
        using var temp = new TempFolder();
        string yaml = YoloFixture.Standard(temp.Path, "0 0.5 0.5 0.2 0.4\n5 0.5 0.5 0.2 0.4\n1 0.5 0.5 0.2\n1 0.4 0.4 0.1 0.1\n");
        YoloDataset dataset = YoloDataset.Load(yaml, new YoloLoadOptions { SkipBadLabels = true });
        Assert.Equal([1, 4], dataset.Images[0].Objects.Select(o => o.Line));
        Assert.Equal([2, 3], dataset.SkippedLabels.Select(p => p.Line));
        Assert.All(dataset.SkippedLabels, p => Assert.Equal(temp.File("labels", "train", "a.txt"), p.File));
    }

    [Fact]
    public void Names_as_a_flow_list_and_splits_as_list_files_globs_and_lists()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "x/images/a.png", "x/images/b.png", "y/images/c.png", "z/images/d.jpg" })
        {
            YoloFixture.Image(temp.File(name.Split('/')));
        }

        YoloFixture.Text(temp.File("x", "labels", "a.txt"), "1 0.5 0.5 0.2 0.2\n");
        YoloFixture.Text(temp.File("val.txt"), "./x/images/b.png\ny/images/c.png\n");
        YoloFixture.Text(temp.File("cfg", "data.yaml"),
            "# a comment\npath: ..  # the root\ntrain: [x/images, 'z/images/*.png']\nval: val.txt\ntest:\n  - y/images\n  - z/images\nnames: ['cat', \"dog\"]\nnc: 2\ndownload: |\n  import os\n  print('x: y')\n");
        string yaml = temp.File("cfg", "data.yaml");
        YoloDataset train = YoloDataset.Load(yaml);
        Assert.Equal(["cat", "dog"], train.Names);
        Assert.Equal([temp.File("x", "images", "a.png"), temp.File("x", "images", "b.png")], train.Images.Select(i => i.ImagePath));
        Assert.Equal(1, train.Images[0].Objects[0].ClassId);
        YoloDataset val = YoloDataset.Load(yaml, new YoloLoadOptions { Split = "val" });
        Assert.Equal([temp.File("x", "images", "b.png"), temp.File("y", "images", "c.png")], val.Images.Select(i => i.ImagePath));
        YoloDataset test = YoloDataset.Load(yaml, new YoloLoadOptions { Split = "test" });
        Assert.Equal(2, test.Images.Count);
    }

    [Fact]
    public void A_folder_without_data_yaml_reads_images_beside_labels_and_classes_txt()
    {
        using var temp = new TempFolder();
        YoloFixture.Image(temp.File("images", "a.png"));
        YoloFixture.Text(temp.File("labels", "a.txt"), "2 0.5 0.5 0.2 0.2\n");
        YoloDataset numbered = YoloDataset.Load(temp.Path);
        Assert.Equal(["0", "1", "2"], numbered.Names);
        YoloFixture.Text(temp.File("classes.txt"), "cat\ndog\nbird\n");
        Assert.Equal(["cat", "dog", "bird"], YoloDataset.Load(temp.Path).Names);
    }

    [Theory]
    [InlineData("train: images/train\nval: images/train\n", "has no 'names' list or map")]
    [InlineData("val: images/train\nnames: [a]\n", "has no 'train' split")]
    [InlineData("train: images/train\nnames:\n  1: a\n", "names map key '1' is out of order")]
    [InlineData("train: images/train\nnames: [a, b]\nnc: 3\n", "nc is 3 but names has 2 entries")]
    [InlineData("train: missing\nnames: [a]\n", "'train' entry 'missing' is not a folder")]
    public void A_bad_data_yaml_is_refused_naming_the_problem(string text, string problem)
    {
        using var temp = new TempFolder();
        YoloFixture.Image(temp.File("images", "train", "a.png"));
        YoloFixture.Text(temp.File("data.yaml"), text);
        var ex = Assert.Throws<InvalidInputException>(() => YoloDataset.Load(temp.File("data.yaml")));
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_paths_replace_the_last_images_folder()
    {
        string path = Path.Combine(Path.GetTempPath(), "images", "set", "images", "train", "a.jpg");
        Assert.Equal(Path.Combine(Path.GetTempPath(), "images", "set", "labels", "train", "a.txt"), YoloDataset.LabelPathOf(path));
    }
}
