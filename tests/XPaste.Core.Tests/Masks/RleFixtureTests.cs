using System.Text.Json;
using XPaste.Masks;

namespace XPaste.Tests.Masks;

/// <summary>Every case of the pycocotools reference outputs must match exactly.</summary>
public sealed class RleFixtureTests
{
    private static readonly Lazy<JsonDocument> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(TestFiles.Data("coco", "coco_rle_cases.json"))));

    public static TheoryData<string> MaskNames()
    {
        var names = new TheoryData<string>();
        foreach (JsonElement m in Cases.Value.RootElement.GetProperty("masks").EnumerateArray())
        {
            names.Add(m.GetProperty("name").GetString()!);
        }

        return names;
    }

    public static TheoryData<int> PolygonIndices() => Indices("polygons");

    public static TheoryData<int> IouIndices() => Indices("iou");

    [Theory]
    [MemberData(nameof(MaskNames))]
    public void Encode_decode_string_area_and_bbox_match_pycocotools(string name)
    {
        JsonElement c = Mask(name);
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        uint[] expectedCounts = c.GetProperty("counts_uncompressed").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        string expectedString = c.GetProperty("counts").GetString()!;
        byte[] rowMajor = RowMajorMask(c, h, w, expectedCounts);

        Rle rle = Rle.Encode(rowMajor, h, w);
        Assert.Equal(expectedCounts, rle.Counts.ToArray());
        Assert.Equal(expectedString, rle.ToCompressedString());
        Assert.Equal(c.GetProperty("area").GetInt64(), rle.Area);
        Assert.Equal(Box(c.GetProperty("bbox")), rle.BoundingBox);
        Assert.Equal(rowMajor, rle.Decode());

        byte[] columnMajor = new byte[rowMajor.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                columnMajor[(x * h) + y] = rowMajor[(y * w) + x];
            }
        }

        Assert.Equal(rle, Rle.EncodeColumnMajor(columnMajor, h, w));
        var decodedColumns = new byte[columnMajor.Length];
        rle.DecodeColumnMajor(decodedColumns);
        Assert.Equal(columnMajor, decodedColumns);

        Rle parsed = Rle.FromCompressedString(expectedString, h, w);
        Assert.Equal(expectedCounts, parsed.Counts.ToArray());
        Assert.Equal(rle, Rle.FromCounts(h, w, expectedCounts));
    }

    [Theory]
    [MemberData(nameof(PolygonIndices))]
    public void Polygon_rasterisation_matches_pycocotools(int index)
    {
        JsonElement c = Cases.Value.RootElement.GetProperty("polygons")[index];
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        double[] polygon = c.GetProperty("polygon").EnumerateArray().Select(e => e.GetDouble()).ToArray();

        Rle rle = Rle.FromPolygon(polygon, h, w);

        Assert.Equal(c.GetProperty("counts").GetString(), rle.ToCompressedString());
        Assert.Equal(c.GetProperty("area").GetInt64(), rle.Area);
        Assert.Equal(Box(c.GetProperty("bbox")), rle.BoundingBox);
    }

    [Theory]
    [MemberData(nameof(IouIndices))]
    public void Mask_iou_matches_pycocotools_plain_and_crowd(int index)
    {
        JsonElement c = Cases.Value.RootElement.GetProperty("iou")[index];
        int h = c.GetProperty("h").GetInt32(), w = c.GetProperty("w").GetInt32();
        Rle a = Rle.FromCompressedString(c.GetProperty("a").GetString()!, h, w);
        Rle b = Rle.FromCompressedString(c.GetProperty("b").GetString()!, h, w);
        double iou = c.GetProperty("iou").GetDouble();
        double crowd = c.GetProperty("iou_crowd_b").GetDouble();

        Assert.Equal(iou, Rle.Iou(a, b));
        Assert.Equal(crowd, Rle.Iou(a, b, groundTruthIsCrowd: true));

        double[,] matrix = Rle.Iou([a, a], [b, b], [false, true]);
        Assert.Equal(iou, matrix[0, 0]);
        Assert.Equal(iou, matrix[1, 0]);
        Assert.Equal(crowd, matrix[0, 1]);
        Assert.Equal(crowd, matrix[1, 1]);

        // The crowd rule divides the intersection by the detection's area.
        long intersection = a.Intersect(b).Area;
        Assert.Equal((double)intersection / a.Area, crowd);
        Assert.Equal((double)intersection / a.Union(b).Area, iou);
    }

    private static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Cases.Value.RootElement.GetProperty(section).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static JsonElement Mask(string name) =>
        Cases.Value.RootElement.GetProperty("masks").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    private static CocoBox Box(JsonElement bbox) =>
        new(bbox[0].GetDouble(), bbox[1].GetDouble(), bbox[2].GetDouble(), bbox[3].GetDouble());

    /// <summary>The mask from its row strings, or (large cases) rebuilt from the reference counts with a plain loop.</summary>
    private static byte[] RowMajorMask(JsonElement c, int h, int w, uint[] counts)
    {
        var mask = new byte[h * w];
        JsonElement rows = c.GetProperty("mask_rows");
        if (rows.ValueKind == JsonValueKind.Array)
        {
            Assert.Equal(h, rows.GetArrayLength());
            for (int y = 0; y < h; y++)
            {
                string row = rows[y].GetString()!;
                Assert.Equal(w, row.Length);
                for (int x = 0; x < w; x++)
                {
                    mask[(y * w) + x] = row[x] == '1' ? (byte)1 : (byte)0;
                }
            }

            return mask;
        }

        long position = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            for (long k = 0; k < counts[i]; k++, position++)
            {
                int x = (int)(position / h), y = (int)(position % h);
                mask[(y * w) + x] = (byte)(i % 2);
            }
        }

        Assert.Equal((long)h * w, position);
        return mask;
    }
}
