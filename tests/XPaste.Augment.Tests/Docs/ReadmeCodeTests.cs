using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace XPaste.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of the repository README and of the nuget.org package README (both copied beside the
/// tests) compiles, as a program of its own, against XPaste.Core, XPaste.Augment, TorchSharp and
/// Microsoft.Extensions.DependencyInjection: the snippets a user copies cannot drift from the API.
/// </summary>
public sealed partial class ReadmeCodeTests
{
    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string readme in Readmes)
        {
            int count = CSharpBlocks(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", readme))).Count;
            for (int i = 0; i < count; i++)
            {
                data.Add(readme, i);
            }
        }

        return data;
    }

    [Fact]
    public void Each_readme_has_a_csharp_block()
    {
        foreach (string readme in Readmes)
        {
            Assert.NotEmpty(CSharpBlocks(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", readme))));
        }
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Csharp_block_compiles(string readme, int index)
    {
        string code = CSharpBlocks(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", readme)))[index];
        var compilation = CSharpCompilation.Create(
            $"ReadmeBlock{index}",
            [CSharpSyntaxTree.ParseText(code, Parse), CSharpSyntaxTree.ParseText(ImplicitUsings, Parse)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        string[] errors = [.. compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())];
        Assert.True(errors.Length == 0, $"{readme} block {index} does not compile:\n{string.Join('\n', errors)}\n---\n{code}");
    }

    [Fact]
    public void A_block_with_an_undeclared_variable_fails_the_check()
    {
        // The check itself can fail: the README's old snippet used `categories` without declaring it.
        var compilation = CSharpCompilation.Create("Broken",
            [CSharpSyntaxTree.ParseText("using XPaste.Sources;\nvar s = new FolderInstanceSource(\"generated\", categories);")],
            References.Value, new CSharpCompilationOptions(OutputKind.ConsoleApplication));
        Assert.Contains(compilation.GetDiagnostics(), d => d.Id == "CS0103");
    }

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>What <c>dotnet new console</c> turns on (ImplicitUsings=enable): the snippets are written for that.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly string[] Readmes = ["README.md", "nuget-README.md"];

    /// <summary>The test host's assemblies (framework, XPaste, TorchSharp, DI): what an application referencing the packages sees.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !Path.GetFileName(p).StartsWith("xunit", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))]);

    internal static IReadOnlyList<string> CSharpBlocks(string markdown) =>
        [.. CSharpFence().Matches(markdown).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CSharpFence();
}
