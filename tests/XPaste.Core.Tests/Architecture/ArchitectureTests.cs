using System.Reflection;

namespace XPaste.Tests.Architecture;

/// <summary>
/// Pins the layers: XPaste.Core uses no other XPaste package (XPaste.Augment and XPaste.Crawl build on it, never the
/// other way), and no two of Core's areas (top-level namespaces, one per folder) use each other, directly or round
/// about. A new cycle fails here naming every edge in it, with an example use.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Core = typeof(InvalidInputException).Assembly;

    [Fact]
    public void Core_references_no_other_xpaste_package()
    {
        string[] xpaste = [.. Core.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("XPaste", StringComparison.Ordinal))];

        Assert.Empty(xpaste);
    }

    [Fact]
    public void Core_areas_do_not_use_each_other_in_a_cycle()
    {
        NamespaceGraph graph = NamespaceGraph.Read(Core.Location);

        List<List<string>> cycles = graph.Cycles();

        Assert.True(cycles.Count == 0, "cycles between Core's namespaces: " + string.Join(" | ", cycles.Select(graph.Describe)));
        // The graph is real: the bank stores masks, the model store throws XPaste's exceptions.
        Assert.Contains("Masks", graph.Edges["Bank"].Keys);
        Assert.Contains("XPaste", graph.Edges["Hub"].Keys);
    }

    [Fact]
    public void The_root_namespace_is_the_bottom_layer()
    {
        NamespaceGraph graph = NamespaceGraph.Read(Core.Location);

        Assert.False(graph.Edges.TryGetValue("XPaste", out var uses) && uses.Count > 0,
            "XPaste (exceptions, progress, options checks) uses " + string.Join(", ", uses?.Select(e => $"{e.Key} ({e.Value})") ?? []));
    }

    [Fact]
    public void Self_check_a_constructed_cycle_fails_and_names_its_edges()
    {
        NamespaceGraph graph = NamespaceGraph.Read(Core.Location);
        Assert.Contains("Masks", graph.Edges["Coco"].Keys);

        // What the Masks <-> Coco cycle was: a mask type using the COCO JSON code.
        graph.Add("Masks", "Coco", "XPaste.Masks.CocoBox -> XPaste.Coco.Json.SomeConverter");
        List<List<string>> cycles = graph.Cycles();

        List<string> cycle = Assert.Single(cycles);
        Assert.Equal(["Coco", "Masks"], cycle);
        string message = graph.Describe(cycle);
        Assert.Contains("Masks -> Coco (XPaste.Masks.CocoBox -> XPaste.Coco.Json.SomeConverter)", message, StringComparison.Ordinal);
        Assert.Contains("Coco -> Masks (", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_check_a_longer_cycle_is_one_group()
    {
        var graph = new NamespaceGraph();
        graph.Add("A", "B", "a");
        graph.Add("B", "C", "b");
        graph.Add("C", "A", "c");
        graph.Add("C", "D", "d");

        Assert.Equal(["A", "B", "C"], Assert.Single(graph.Cycles()));
    }
}
