using XPaste.Abstractions;

namespace XPaste.Tests;

/// <summary>Categories for calls that need one per image where the test does not care which.</summary>
internal static class TestCategories
{
    /// <summary>A placeholder category, <c>object</c> (id 1).</summary>
    public static readonly CategoryInfo Object = new(1, "object");

    /// <summary><paramref name="count"/> times <see cref="Object"/>.</summary>
    public static CategoryInfo[] Any(int count) => Enumerable.Repeat(Object, count).ToArray();
}
