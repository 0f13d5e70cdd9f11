using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using XPaste.Coco;
using XPaste.Masks;

namespace XPaste.Tests.Coco;

public sealed class CocoDatasetTests
{
    /// <summary>A small LVIS-flavoured file: every segmentation form, LVIS extras and unknown fields at every level.</summary>
    internal const string Sample = """
    {
      "info": {"description": "tiny", "version": "1.0", "year": 2019, "contributor": "tests", "date_created": "2019-01-01", "custom_info": [1, 2]},
      "licenses": [{"id": 1, "name": "CC BY 4.0", "url": "https://example.org", "note": "kept"}],
      "images": [
        {"id": 7, "width": 12, "height": 10, "file_name": "a.png", "license": 1, "neg_category_ids": [3], "not_exhaustive_category_ids": [2], "extra_image_field": {"x": true}},
        {"id": 8, "width": 5, "height": 3, "coco_url": "http://images.cocodataset.org/val2017/000000000008.jpg"}
      ],
      "annotations": [
        {"id": 100, "image_id": 7, "category_id": 1, "segmentation": [[1, 1, 8, 1, 8, 6, 1, 6]], "area": 35.0, "bbox": [1, 1, 7, 5], "iscrowd": 0, "score_hint": 0.5},
        {"id": 101, "image_id": 7, "category_id": 2, "segmentation": {"counts": "d21S1", "size": [10, 12]}, "area": 1, "bbox": [8, 4, 1, 1], "iscrowd": 0},
        {"id": 102, "image_id": 7, "category_id": 2, "segmentation": {"counts": [11, 3, 7, 3, 96], "size": [10, 12]}, "area": 6, "bbox": [1, 1, 2, 3], "iscrowd": 1},
        {"id": 103, "image_id": 8, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 2], [0.5, 1.5, 1.5, 1.5, 1, 2.5]], "bbox": [0, 0, 4, 2]}
      ],
      "categories": [
        {"id": 1, "name": "traffic_light", "synset": "traffic_light.n.01", "synonyms": ["traffic_light", "stoplight"], "def": "a device to control traffic", "frequency": "f", "image_count": 2, "instance_count": 2},
        {"id": 2, "name": "aardvark", "supercategory": "animal", "frequency": "r", "image_count": 1, "instance_count": 2, "new_field": null},
        {"id": 3, "name": "zebra", "frequency": "c", "image_count": 0, "instance_count": 0}
      ],
      "top_level_extra": {"anything": [1, "two"]}
    }
    """;

    [Fact]
    public void Reads_coco_and_lvis_fields()
    {
        CocoDataset d = Parse(Sample);

        Assert.Equal("tiny", d.Info!.Description);
        Assert.Equal(2019, d.Info.Year);
        Assert.Equal("CC BY 4.0", Assert.Single(d.Licenses!).Name);
        Assert.Equal(2, d.Images.Count);
        Assert.Equal(4, d.Annotations.Count);
        CocoImage a = d.GetImage(7);
        Assert.Equal((12, 10, "a.png"), (a.Width, a.Height, a.FileName));
        Assert.Equal(new[] { 3 }, a.NegativeCategoryIds);
        Assert.Equal(new[] { 2 }, a.NotExhaustiveCategoryIds);
        Assert.Equal("val2017/000000000008.jpg", d.GetImage(8).ResolveFileName());
        CocoCategory light = d.GetCategory(1);
        Assert.Equal(("traffic_light", "f", 2L, 2L), (light.Name, light.Frequency, light.ImageCount, light.InstanceCount));
        Assert.Equal(new[] { "traffic_light", "stoplight" }, light.Synonyms);
        Assert.Equal("a device to control traffic", light.Definition);
        Assert.Equal("traffic light", light.ToCategoryInfo().PromptName);
        Assert.Equal("animal", d.GetCategory(2).Supercategory);

        Assert.Equal(new long[] { 100, 101, 102 }, d.GetAnnotations(7).Select(x => x.Id));
        Assert.Empty(d.GetAnnotations(999));
        Assert.False(d.TryGetImage(999, out _));
        Assert.Throws<KeyNotFoundException>(() => d.GetCategory(42));

        CocoAnnotation crowd = d.Annotations[2];
        Assert.True(crowd.Crowd);
        Assert.Equal(CocoSegmentationKind.UncompressedRle, crowd.Segmentation!.Kind);
        Assert.Equal(CocoSegmentationKind.CompressedRle, d.Annotations[1].Segmentation!.Kind);
        Assert.Equal(CocoSegmentationKind.Polygons, d.Annotations[0].Segmentation!.Kind);
        Assert.Null(d.Annotations[3].IsCrowd);
        Assert.False(d.Annotations[3].Crowd);
        Assert.Equal(new CocoBox(1, 1, 7, 5), d.Annotations[0].Bbox);
        Assert.Equal(0.5, d.Annotations[0].ExtensionData!["score_hint"].GetDouble());
    }

    [Fact]
    public void Unknown_fields_and_lvis_extras_round_trip_unchanged()
    {
        CocoDataset d = Parse(Sample);
        using var temp = new TempFolder();
        string path = temp.File("out.json");

        d.Save(path);
        CocoDataset back = CocoDataset.Load(path);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Sample), JsonNode.Parse(File.ReadAllBytes(path))),
            "the written file must hold exactly the fields of the input");
        Assert.Equal(d.ToUtf8Json(), back.ToUtf8Json());
        Assert.Equal(path, back.SourceName);
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public async Task Async_load_and_save_and_indented_output_give_the_same_dataset()
    {
        CocoDataset d = Parse(Sample);
        using var temp = new TempFolder();
        string path = temp.File("indented.json");

        await d.SaveAsync(path, new CocoSaveOptions { Indented = true });
        CocoDataset back = await CocoDataset.LoadAsync(path);

        Assert.Contains("\n", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(d.ToUtf8Json(), back.ToUtf8Json());
    }

    [Fact]
    public void Annotations_decode_like_annToRLE()
    {
        CocoDataset d = Parse(Sample);

        Rle polygon = d.DecodeMask(d.Annotations[0]);
        Assert.Equal(Rle.FromPolygon([1, 1, 8, 1, 8, 6, 1, 6], 10, 12), polygon);
        Assert.Equal(new CocoBox(1, 1, 7, 5), polygon.BoundingBox);
        Assert.Equal(35, polygon.Area);

        Rle compressed = d.DecodeMask(d.Annotations[1]);
        Assert.Equal(Rle.FromCompressedString("d21S1", 10, 12), compressed);
        Assert.Equal(1, compressed.Area);
        Assert.Equal(new CocoBox(8, 4, 1, 1), compressed.BoundingBox);

        Rle uncompressed = d.DecodeMask(d.Annotations[2]);
        Assert.Equal(new uint[] { 11, 3, 7, 3, 96 }, uncompressed.Counts.ToArray());
        Assert.Equal(new CocoBox(1, 1, 2, 3), uncompressed.BoundingBox);

        Rle twoPolygons = d.DecodeMask(d.Annotations[3]);
        Rle expected = Rle.Merge([Rle.FromPolygon([0, 0, 4, 0, 4, 2], 3, 5), Rle.FromPolygon([0.5, 1.5, 1.5, 1.5, 1, 2.5], 3, 5)]);
        Assert.Equal(expected, twoPolygons);

        using var masks = d.DecodeMasks(7);
        Assert.Equal(new long[] { 3, 10, 12 }, masks.shape);
        Assert.Equal(polygon.Area + compressed.Area + uncompressed.Area, masks.sum().item<long>());
    }

    [Fact]
    public void Dataset_built_in_code_with_rle_masks_is_read_back_identically()
    {
        var random = new Random(2);
        var annotations = new List<CocoAnnotation>();
        var images = new List<CocoImage>();
        for (int i = 0; i < 4; i++)
        {
            int h = random.Next(5, 30), w = random.Next(5, 30);
            images.Add(new CocoImage { Id = 1_000_000_000_000 + i, Width = w, Height = h, FileName = $"img{i}.jpg" });
            for (int k = 0; k < 3; k++)
            {
                var mask = new byte[h * w];
                for (int p = 0; p < mask.Length; p++)
                {
                    mask[p] = random.NextDouble() < 0.3 ? (byte)1 : (byte)0;
                }

                Rle rle = Rle.Encode(mask, h, w);
                annotations.Add(new CocoAnnotation
                {
                    Id = annotations.Count + 1,
                    ImageId = images[^1].Id,
                    CategoryId = 1 + (k % 2),
                    Segmentation = CocoSegmentation.FromRle(rle, compressed: k != 2),
                    Area = rle.Area,
                    Bbox = rle.BoundingBox,
                    IsCrowd = k == 2 ? 1 : 0,
                });
            }
        }

        var dataset = new CocoDataset
        {
            Images = images,
            Annotations = annotations,
            Categories = [new CocoCategory { Id = 1, Name = "cat" }, new CocoCategory { Id = 2, Name = "dog" }],
        };
        using var temp = new TempFolder();
        dataset.Save(temp.File("built.json"));

        CocoDataset back = CocoDataset.Load(temp.File("built.json"));

        Assert.Equal(dataset.ToUtf8Json(), back.ToUtf8Json());
        Assert.Null(back.Info);
        Assert.Null(back.Licenses);
        for (int i = 0; i < annotations.Count; i++)
        {
            CocoAnnotation a = annotations[i], b = back.Annotations[i];
            Assert.Equal((a.Id, a.ImageId, a.CategoryId, a.Area, a.Bbox, a.IsCrowd), (b.Id, b.ImageId, b.CategoryId, b.Area, b.Bbox, b.IsCrowd));
            Assert.Equal(a.Segmentation!.Kind, b.Segmentation!.Kind);
            Assert.Equal(dataset.DecodeMask(a), back.DecodeMask(b));
        }
    }

    [Fact]
    public void Annotation_from_mask_carries_the_masks_area_and_box()
    {
        Rle mask = Rle.FromBox(new CocoBox(2, 3, 4, 5), 10, 12);

        CocoAnnotation a = CocoAnnotation.FromMask(9, 7, 1, mask, crowd: true);

        Assert.Equal((9L, 7L, 1, 20.0, new CocoBox(2, 3, 4, 5), 1), (a.Id, a.ImageId, a.CategoryId, a.Area!.Value, a.Bbox!.Value, a.IsCrowd!.Value));
        Assert.Equal(CocoSegmentationKind.CompressedRle, a.Segmentation!.Kind);
        Assert.Equal(mask, a.Segmentation.ToRle(10, 12));
        var ex = Assert.Throws<InvalidInputException>(() => a.Segmentation.ToRle(12, 10));
        Assert.Contains("RLE size 10x12 (h x w) does not match the image's 12x10", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, long?, string> Malformed() => new()
    {
        { "missing image", Replace(100, "\"image_id\": 7", "\"image_id\": 70"), 100, "image_id 70 is not in images" },
        { "missing category", Replace(101, "\"category_id\": 2", "\"category_id\": 9"), 101, "category_id 9 is not in categories" },
        { "counts sum", Replace(102, "[11, 3, 7, 3, 96]", "[11, 3, 7, 3, 95]"), 102, "RLE counts sum to 119 but a 10x12 mask has 120 pixels" },
        { "negative count", Replace(102, "[11, 3, 7, 3, 96]", "[11, -3, 13, 3, 96]"), 102, "RLE count 1 is negative (-3)" },
        { "fractional count", Replace(102, "[11, 3, 7, 3, 96]", "[11, 3.5, 7, 3, 96]"), 102, "RLE count 1 is not an integer" },
        { "bad character", Replace(101, "\"d21S1\"", "\"d2 1S1\""), 101, "invalid character ' ' (U+0020) at position 2" },
        { "compressed sum", Replace(101, "\"d21S1\"", "\"d21R1\""), 101, "RLE counts sum to 119 but a 10x12 mask has 120 pixels" },
        { "size mismatch", Replace(101, "\"size\": [10, 12]", "\"size\": [12, 10]"), 101, "RLE size 12x10 (h x w) does not match the image's 10x12" },
        { "two points", Replace(100, "[[1, 1, 8, 1, 8, 6, 1, 6]]", "[[1, 1, 8, 1]]"), 100, "polygon has 2 points, fewer than 3" },
        { "odd coordinates", Replace(100, "[[1, 1, 8, 1, 8, 6, 1, 6]]", "[[1, 1, 8, 1, 8, 6, 1]]"), 100, "polygon has an odd number of coordinates (7)" },
        { "second polygon", Replace(103, "[0.5, 1.5, 1.5, 1.5, 1, 2.5]", "[0.5, 1.5]"), 103, "polygon has 1 points, fewer than 3 (polygon 1)" },
        { "no polygons", Replace(100, "[[1, 1, 8, 1, 8, 6, 1, 6]]", "[]"), 100, "segmentation is an empty list of polygons" },
        { "string coordinate", Replace(100, "[[1, 1, 8, 1, 8, 6, 1, 6]]", "[[1, \"1\", 8, 1, 8, 6]]"), 100, "polygon 0 has a coordinate that is not a number" },
        { "segmentation type", Replace(100, "[[1, 1, 8, 1, 8, 6, 1, 6]]", "\"oops\""), 100, "segmentation is a JSON String" },
        { "no size", Replace(101, ", \"size\": [10, 12]", ""), 101, "RLE has no size" },
        { "duplicate annotation id", Replace(101, "\"id\": 101", "\"id\": 100"), 100, "id 100 is used by an earlier annotation" },
        { "bbox of three numbers", Replace(100, "\"bbox\": [1, 1, 7, 5]", "\"bbox\": [1, 1, 7]"), 100, "bbox is not 4 finite numbers [x, y, w, h]" },
        { "bbox with a string", Replace(100, "\"bbox\": [1, 1, 7, 5]", "\"bbox\": [1, \"1\", 7, 5]"), 100, "bbox is not 4 finite numbers [x, y, w, h]" },
        { "bbox as an object", Replace(101, "\"bbox\": [8, 4, 1, 1]", "\"bbox\": {\"x\": 8}"), 101, "bbox is not 4 finite numbers [x, y, w, h]" },
        { "bbox of negative width", Replace(100, "\"bbox\": [1, 1, 7, 5]", "\"bbox\": [1, 1, -7, 5]"), 100, "bbox [1, 1, -7, 5] has a negative width or height" },
        { "bbox of negative height", Replace(101, "\"bbox\": [8, 4, 1, 1]", "\"bbox\": [8, 4, 1, -0.5]"), 101, "has a negative width or height" },
        { "bbox outside the image", Replace(100, "\"bbox\": [1, 1, 7, 5]", "\"bbox\": [1, 1, 70, 5]"), 100, "bbox [1, 1, 70, 5] reaches outside the 12x10 image 7" },
        { "bbox left of the image", Replace(101, "\"bbox\": [8, 4, 1, 1]", "\"bbox\": [-30, 4, 1, 1]"), 101, "reaches outside the 12x10 image 7" },
        { "polygon outside the image", Replace(100, "[[1, 1, 8, 1, 8, 6, 1, 6]]", "[[20, 1, 28, 1, 28, 6, 20, 6]]"), 100, "polygon lies entirely outside the 12x10 image (x 20 to 28, y 1 to 6)" },
        { "polygon above the image", Replace(103, "[0.5, 1.5, 1.5, 1.5, 1, 2.5]", "[0.5, -1.5, 1.5, -1.5, 1, -2.5]"), 103, "polygon lies entirely outside the 5x3 image (x 0.5 to 1.5, y -2.5 to -1.5) (polygon 1)" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_annotations_throw_naming_file_annotation_and_problem(string _, string json, long? id, string problem)
    {
        var ex = Assert.Throws<CocoFormatException>(() => Parse(json, "data/instances_bad.json"));

        Assert.StartsWith($"data/instances_bad.json: annotation {id}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Equal(id, ex.AnnotationId);
        Assert.IsAssignableFrom<InvalidInputException>(ex);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Skipping_leaves_bad_annotations_out_and_says_why(string _, string json, long? id, string problem)
    {
        CocoDataset d = Parse(json, "bad.json", new CocoLoadOptions { InvalidAnnotations = InvalidAnnotationHandling.Skip });

        CocoAnnotationProblem skipped = Assert.Single(d.SkippedAnnotations);
        Assert.Equal(id, skipped.AnnotationId);
        Assert.Contains(problem, skipped.Problem, StringComparison.Ordinal);
        Assert.Equal(3, d.Annotations.Count);
        Assert.DoesNotContain(d.Annotations, a => ReferenceEquals(a, null));
        foreach (CocoAnnotation a in d.Annotations)
        {
            Assert.True(d.TryDecodeMask(a, out Rle? _, out string? why), why);
        }
    }

    [Theory]
    [InlineData("{\"images\": [", "not valid COCO JSON")]
    [InlineData("[]", "not valid COCO JSON")]
    [InlineData("null", "the document is null")]
    [InlineData("{\"images\": [{\"id\": 1, \"width\": 4, \"height\": 4}, {\"id\": 1, \"width\": 4, \"height\": 4}]}", "image id 1 appears more than once")]
    [InlineData("{\"categories\": [{\"id\": 2, \"name\": \"a\"}, {\"id\": 2, \"name\": \"b\"}]}", "category id 2 appears more than once")]
    [InlineData("{\"images\": [{\"id\": 5, \"width\": 0, \"height\": 4}]}", "image 5 has an unusable size 0x4")]
    [InlineData("{\"images\": null}", "not valid COCO JSON")]
    public void File_level_problems_always_throw_naming_the_file(string json, string problem)
    {
        var options = new CocoLoadOptions { InvalidAnnotations = InvalidAnnotationHandling.Skip };

        var ex = Assert.Throws<CocoFormatException>(() => Parse(json, "broken.json", options));

        Assert.StartsWith("broken.json: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.AnnotationId);
    }

    [Fact]
    public void An_annotation_without_an_id_is_named_by_its_position()
    {
        string json = Replace(101, "\"id\": 101, ", "");

        var ex = Assert.Throws<CocoFormatException>(() => Parse(json, "noid.json"));
        Assert.Equal("noid.json: annotations[1]: has no id", ex.Message);

        CocoDataset d = Parse(json, "noid.json", new CocoLoadOptions { InvalidAnnotations = InvalidAnnotationHandling.Skip });
        CocoAnnotationProblem skipped = Assert.Single(d.SkippedAnnotations);
        Assert.Equal(("annotations[1]", false, 1, "has no id"), (skipped.Position, skipped.HasId, skipped.Index, skipped.Problem));
        Assert.Equal(new long[] { 100, 102, 103 }, d.Annotations.Select(a => a.Id));
    }

    [Fact]
    public void A_file_without_annotations_says_so()
    {
        CocoDataset images = Parse("""{"images": [{"id": 1, "width": 4, "height": 4}], "categories": []}""");
        CocoDataset empty = Parse("""{"images": [{"id": 1, "width": 4, "height": 4}], "annotations": [], "categories": []}""");

        Assert.False(images.HasAnnotationsKey);
        Assert.True(empty.HasAnnotationsKey);
        Assert.True(Parse(Sample).HasAnnotationsKey);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        var ex = Assert.Throws<CocoFormatException>(() => CocoDataset.Load("/nonexistent/instances.json"));
        Assert.Equal("/nonexistent/instances.json: file not found", ex.Message);
    }

    [Fact]
    public void Decoding_an_annotation_without_segmentation_names_it()
    {
        CocoDataset d = Parse(Sample.Replace("\"segmentation\": [[0, 0, 4, 0, 4, 2], [0.5, 1.5, 1.5, 1.5, 1, 2.5]], ", "", StringComparison.Ordinal), "s.json");

        var ex = Assert.Throws<CocoFormatException>(() => d.DecodeMask(d.Annotations[3]));
        Assert.Equal("s.json: annotation 103: has no segmentation", ex.Message);
    }

    internal static CocoDataset Parse(string json, string name = "sample.json", CocoLoadOptions? options = null) =>
        CocoDataset.Parse(Encoding.UTF8.GetBytes(json), name, options);

    /// <summary>The sample with one replacement inside the annotation with the given id.</summary>
    private static string Replace(long annotationId, string from, string to)
    {
        string marker = $"{{\"id\": {annotationId}, ";
        int start = Sample.IndexOf(marker, StringComparison.Ordinal);
        int end = Sample.IndexOf('\n', start);
        string line = Sample[start..end];
        string changed = line.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(line, changed);
        return Sample[..start] + changed + Sample[end..];
    }
}
