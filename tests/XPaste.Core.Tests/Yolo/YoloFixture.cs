using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Tests.Yolo;

/// <summary>Writes small YOLO datasets (real PNG files, label text) into a temporary folder.</summary>
internal static class YoloFixture
{
    /// <summary>Writes a grey PNG of the given size.</summary>
    public static void Image(string path, int width = 40, int height = 20)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var scope = NewDisposeScope();
        ImageIO.SavePng(full([3, height, width], 128, ScalarType.Byte), path);
    }

    /// <summary>Writes a text file, creating its folder.</summary>
    public static void Text(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>The standard layout: images/train, labels/train, data.yaml with two names.</summary>
    public static string Standard(string root, string label)
    {
        Image(Path.Combine(root, "images", "train", "a.png"));
        Text(Path.Combine(root, "labels", "train", "a.txt"), label);
        string yaml = Path.Combine(root, "data.yaml");
        Text(yaml, "path: .\ntrain: images/train\nval: images/train\nnames:\n  0: cat\n  1: dog\n");
        return yaml;
    }
}
