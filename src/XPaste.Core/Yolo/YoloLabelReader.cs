using System.Globalization;

namespace XPaste.Yolo;

/// <summary>
/// Reads one YOLO label file, checking each line as Ultralytics' <c>verify_image_label</c> does: a whole-number class
/// in the dataset's range, then either 4 box values or at least 3 points (an even number of coordinates), every value
/// a number in [0, 1].
/// </summary>
internal static class YoloLabelReader
{
    /// <summary>Reads the file; bad lines go to <paramref name="problems"/> when skipping, else throw.</summary>
    /// <param name="path">The label file.</param>
    /// <param name="classCount">How many classes the dataset names; null when unknown (no check).</param>
    /// <param name="skipBad">Collect bad lines instead of throwing.</param>
    /// <param name="problems">Receives the bad lines when skipping.</param>
    public static List<YoloObject> Read(string path, int? classCount, bool skipBad, List<YoloLabelProblem> problems)
    {
        var objects = new List<YoloObject>();
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string? problem = TryParse(line, classCount, i + 1, out YoloObject? obj);
            if (problem is null)
            {
                objects.Add(obj!);
                continue;
            }

            var bad = new YoloLabelProblem(path, i + 1, problem);
            if (!skipBad)
            {
                throw new InvalidInputException(bad.Position, problem);
            }

            problems.Add(bad);
        }

        return objects;
    }

    /// <summary>Parses one non-empty line; returns the problem or null.</summary>
    internal static string? TryParse(string line, int? classCount, int lineNumber, out YoloObject? obj)
    {
        obj = null;
        string[] tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var values = new double[tokens.Length];
        for (int k = 0; k < tokens.Length; k++)
        {
            if (!double.TryParse(tokens[k], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]) || !double.IsFinite(values[k]))
            {
                return $"'{tokens[k]}' (value {k + 1}) is not a number";
            }
        }

        double cls = values[0];
        if (cls < 0 || cls != Math.Floor(cls) || cls > int.MaxValue)
        {
            return $"class '{tokens[0]}' is not a whole number >= 0";
        }

        int classId = (int)cls;
        if (classCount is { } n && classId >= n)
        {
            return $"class {classId} is not in names (classes 0-{n - 1})";
        }

        int coordinates = values.Length - 1;
        if (coordinates != 4 && coordinates % 2 != 0)
        {
            return $"{coordinates} coordinates: expected 4 (a box) or an even number (a polygon)";
        }

        if (coordinates != 4 && coordinates < 6)
        {
            return $"polygon has {coordinates / 2} point(s), fewer than 3";
        }

        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] is < 0 or > 1)
            {
                return $"value {k + 1} ({tokens[k]}) is outside [0, 1] (coordinates are normalised by the image size)";
            }
        }

        if (coordinates == 4)
        {
            if (values[3] <= 0 || values[4] <= 0)
            {
                return "the box has zero width or height";
            }

            obj = new YoloObject(classId, values[1], values[2], values[3], values[4], null, lineNumber);
            return null;
        }

        obj = YoloObject.FromPolygon(classId, values[1..], lineNumber);
        return obj.Width <= 0 || obj.Height <= 0 ? "the polygon has no area (all points on one line)" : null;
    }
}
