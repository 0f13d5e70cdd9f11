using XPaste.Augment;

namespace XPaste.Tests.Architecture;

/// <summary>XPaste.Augment builds on XPaste.Core only: the online package never pulls in the crawler.</summary>
public sealed class PackageDependencyTests
{
    [Fact]
    public void Augment_uses_core_and_no_other_xpaste_package()
    {
        string[] xpaste = [.. typeof(XPasteAugmenter).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(n => n.StartsWith("XPaste", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

        Assert.Equal(["XPaste.Core"], xpaste);
    }
}
