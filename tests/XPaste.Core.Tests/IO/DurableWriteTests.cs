using XPaste.IO;

namespace XPaste.Tests.IO;

public sealed class DurableWriteTests
{
    [Fact]
    public void Folders_are_flushed_on_linux_and_a_missing_folder_is_reported_not_thrown()
    {
        using var temp = new TempFolder();
        if (OperatingSystem.IsLinux())
        {
            Assert.True(FolderSync.IsSupported);
            Assert.True(FolderSync.Flush(temp.Path));
        }

        Assert.False(FolderSync.Flush(temp.File("missing")));
    }

    [Fact]
    public void An_atomic_write_replaces_the_file_and_leaves_no_temporary_file()
    {
        using var temp = new TempFolder();
        string path = temp.File("a.json");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["a.json"], Directory.EnumerateFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_file_lock_excludes_a_second_holder_until_released()
    {
        using var temp = new TempFolder();
        string path = temp.File(".lock");
        using (FileLock? first = FileLock.TryAcquire(path))
        {
            Assert.NotNull(first);
            Assert.Null(FileLock.TryAcquire(path));
        }

        using FileLock? again = FileLock.TryAcquire(path);
        Assert.NotNull(again);
    }
}
