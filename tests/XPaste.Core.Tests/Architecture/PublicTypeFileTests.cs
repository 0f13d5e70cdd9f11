using Mono.Cecil;
using Mono.Cecil.Cil;

namespace XPaste.Tests.Architecture;

/// <summary>
/// One public type per file, named after it: every source file a public top-level type's code comes from (read from
/// the portable PDB's sequence points) is <c>Type.cs</c> or a partial <c>Type.Part.cs</c>. Two public types in one
/// file fail here, since the second is not named after it. Types without code (enums, interfaces, plain records
/// without members) leave no sequence points and are not seen; <c>scripts/check-public-type-files.py</c> reads the
/// sources for those.
/// </summary>
public sealed class PublicTypeFileTests
{
    [Fact]
    public void Every_public_type_of_core_lives_in_files_named_after_it()
    {
        List<string> misplaced = Misplaced(SourceFiles(typeof(InvalidInputException).Assembly.Location));

        Assert.True(misplaced.Count == 0, "public types in files not named after them: " + string.Join("; ", misplaced));
    }

    [Fact]
    public void The_pdb_is_read_so_the_rule_sees_real_files()
    {
        Dictionary<string, HashSet<string>> files = SourceFiles(typeof(InvalidInputException).Assembly.Location);

        Assert.Contains(files["XPaste.Offline.ShardMerge"], f => Path.GetFileName(f) == "ShardMerge.cs");
        Assert.True(files.Count > 100, $"only {files.Count} public types with code were read");
    }

    [Fact]
    public void Self_check_a_second_public_type_in_a_file_fails_naming_it()
    {
        var files = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["XPaste.Offline.ShardMerge"] = ["/src/Offline/ShardMerge.cs", "/src/Offline/ShardMerge.Inputs.cs"],
            ["XPaste.Offline.ShardMergeResult"] = ["/src/Offline/ShardMerge.cs"],
            ["XPaste.Bank.Generic`1"] = ["/src/Bank/Generic.cs"],
        };

        Assert.Equal(["XPaste.Offline.ShardMergeResult in ShardMerge.cs"], Misplaced(files));
    }

    private static List<string> Misplaced(Dictionary<string, HashSet<string>> files) =>
        [.. files.SelectMany(entry => entry.Value
                .Select(Path.GetFileName)
                .Where(file => file!.Split('.')[0] != SimpleName(entry.Key))
                .Select(file => $"{entry.Key} in {file}"))
            .Order(StringComparer.Ordinal)];

    private static string SimpleName(string fullName)
    {
        string name = fullName[(fullName.LastIndexOf('.') + 1)..];
        int arity = name.IndexOf('`', StringComparison.Ordinal);
        return arity < 0 ? name : name[..arity];
    }

    /// <summary>Public top-level type to the hand-written source files its methods come from.</summary>
    private static Dictionary<string, HashSet<string>> SourceFiles(string assemblyPath)
    {
        var files = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(assemblyPath, new ReaderParameters { ReadSymbols = true });
        foreach (TypeDefinition type in assembly.MainModule.Types.Where(t => t.IsPublic))
        {
            foreach (MethodDefinition method in type.Methods.Where(m => m.HasBody))
            {
                foreach (SequencePoint point in method.DebugInformation.SequencePoints)
                {
                    string path = point.Document.Url;
                    // Source generators' output (logging, regexes) is not a file anyone named.
                    if (path.EndsWith(".g.cs", StringComparison.Ordinal) || path.Contains("/obj/", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    if (!files.TryGetValue(type.FullName, out HashSet<string>? set))
                    {
                        files[type.FullName] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(path);
                }
            }
        }

        return files;
    }
}
