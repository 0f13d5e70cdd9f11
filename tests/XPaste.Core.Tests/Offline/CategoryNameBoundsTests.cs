using XPaste.Coco;
using XPaste.Offline;

namespace XPaste.Tests.Offline;

/// <summary>Category names a file system cannot take are refused up front, naming the list line.</summary>
public sealed class CategoryNameBoundsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_name_under_the_character_limit_but_over_255_bytes_names_its_line()
    {
        string path = _temp.File("names.txt");
        File.WriteAllLines(path, ["cat", new string('\u00e9', 130), "dog."]);

        var ex = Assert.Throws<InvalidInputException>(() => CategoryList.Load(path));
        Assert.Equal($"{path}:2", ex.Input);
        Assert.Contains("is 260 UTF-8 bytes, over the file-system limit of 255", ex.Problem, StringComparison.Ordinal);

        File.WriteAllLines(path, ["cat", "dog."]);
        ex = Assert.Throws<InvalidInputException>(() => CategoryList.Load(path));
        Assert.Equal($"{path}:2", ex.Input);
        Assert.Contains("ends with a dot", ex.Problem, StringComparison.Ordinal);
    }
}
