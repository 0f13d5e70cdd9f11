namespace XPaste.Tests;

/// <summary>Locates test data copied beside the test assembly and makes scratch folders.</summary>
internal static class TestFiles
{
    /// <summary>The full path of a file under the test output's <c>TestData</c> folder.</summary>
    public static string Data(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xpaste-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
