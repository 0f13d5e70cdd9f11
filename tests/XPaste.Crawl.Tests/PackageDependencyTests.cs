namespace XPaste.Crawl.Tests;

/// <summary>XPaste.Crawl builds on XPaste.Core only: the crawler never pulls in the online augmentation.</summary>
public sealed class PackageDependencyTests
{
    [Fact]
    public void Crawl_uses_core_and_no_other_xpaste_package()
    {
        string[] xpaste = [.. typeof(ImageCrawler).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(n => n.StartsWith("XPaste", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

        Assert.Equal(["XPaste.Core"], xpaste);
    }
}
