using System.Text.RegularExpressions;

namespace XPaste.Tests.Docs;

/// <summary>
/// No placeholder text in the documentation (the README, docs/, the samples' notes, all copied beside the tests):
/// TODO, TBD, FIXME, XXX, lorem ipsum, <c>&lt;placeholder&gt;</c>, or an ALL_CAPS_TOKEN like the <c>GPU_HOURS_SECTION</c>
/// that once ended docs/scale-out.md. Code blocks and <c>`code spans`</c> are skipped: there such tokens are environment
/// variables or quoted output, and prose names them in backticks.
/// </summary>
public sealed partial class DocsPlaceholderTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (string document in DocumentNames())
        {
            data.Add(document);
        }

        return data;
    }

    private static string[] DocumentNames() =>
        [.. Directory.EnumerateFiles(DocsFolder, "*.md", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(DocsFolder, file).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_documents_are_there()
    {
        string[] documents = DocumentNames();
        Assert.Contains("README.md", documents);
        Assert.Contains("docs/scale-out.md", documents);
        Assert.Contains("docs/training.md", documents);
        Assert.Contains("samples/data/README.md", documents);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Document_has_no_placeholder(string document)
    {
        string[] found = Placeholders(File.ReadAllText(Path.Combine(DocsFolder, document)));
        Assert.True(found.Length == 0, $"{document}: placeholder text: {string.Join("; ", found)}");
    }

    [Theory]
    [InlineData("## GPU hours\n\nGPU_HOURS_SECTION\n", "GPU_HOURS_SECTION")]
    [InlineData("It takes TBD hours.", "TBD")]
    [InlineData("TODO: measure", "TODO")]
    [InlineData("Lorem ipsum dolor", "Lorem")]
    [InlineData("Set <placeholder> here", "<placeholder>")]
    [InlineData("| step | FIXME |", "FIXME")]
    public void The_check_finds_placeholders(string markdown, string expected)
    {
        Assert.Contains(Placeholders(markdown), line => line.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Code_and_ordinary_capitals_are_not_placeholders()
    {
        const string markdown = "Set `XPASTE_DEBUG=1` or `JOB_COMPLETION_INDEX`; CUDA, CPU, COCO, LVIS and RLE are words.\n"
            + "```bash\nSLURM_ARRAY_TASK_ID=3 xpaste bank run  # TODO-free\n```\n";
        Assert.Empty(Placeholders(markdown));
    }

    private static string DocsFolder => Path.Combine(AppContext.BaseDirectory, "Docs");

    /// <summary>Each placeholder found outside code, with the text around it.</summary>
    internal static string[] Placeholders(string markdown)
    {
        string prose = CodeSpan().Replace(CodeBlock().Replace(markdown, string.Empty), string.Empty);
        return [.. Placeholder().Matches(prose).Select(m =>
            $"'{m.Value}' in \"{prose[Math.Max(0, m.Index - 40)..Math.Min(prose.Length, m.Index + m.Length + 40)].ReplaceLineEndings(" ")}\"")];
    }

    [GeneratedRegex(@"^[ \t]*```.*?^[ \t]*```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"`[^`]*`", RegexOptions.Singleline)]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\b(?:TODO|TBD|FIXME|XXX)\b|(?i:lorem\b)|(?i:<placeholder>)|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")]
    private static partial Regex Placeholder();
}
