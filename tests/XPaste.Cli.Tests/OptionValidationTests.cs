using System.CommandLine;
using XPaste.Tests;

namespace XPaste.Cli.Tests;

/// <summary>
/// Every numeric option of every command, found by walking the tool's command tree (so a new command or option is
/// covered without touching this test), run with values it must refuse: each gives one <c>error: --option: ...</c>
/// line on standard error, exit code 2, and no stack trace.
/// </summary>
public sealed class OptionValidationTests
{
    /// <summary>Options where a negative number is a valid value (a seed, a score threshold, an id).</summary>
    private static readonly HashSet<string> NegativeAllowed = new(StringComparer.Ordinal) { "--seed", "--min-clip", "--image-id", "--guidance", "--near-duplicate-distance", "--min-real-similarity" };

    private static readonly Type[] NumericTypes = [typeof(int), typeof(long), typeof(float), typeof(double)];

    public static TheoryData<string, string, string> NumericOptions()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((string[] path, Command command) in Commands(CliApp.CreateRoot(), []))
        {
            foreach (Option option in command.Options.Where(o => IsNumeric(o.ValueType)))
            {
                // One value each keeps the test quick (a process per case): out of range where negatives are wrong,
                // else infinity for fractional options and a word for whole-number ones.
                string joined = string.Join(' ', path);
                data.Add(joined, option.Name, !NegativeAllowed.Contains(option.Name) ? "-1" : IsFractional(option.ValueType) ? "1e999" : "abc");
            }
        }

        return data;
    }

    [Fact]
    public void The_tree_has_the_numeric_options_this_test_is_for()
    {
        var options = NumericOptions().Select(row => $"{row[0]} {row[1]}").ToHashSet();

        // A floor, not the list: new commands add to it.
        Assert.Contains("augment --count", options);
        Assert.Contains("augment --size", options);
        Assert.Contains("bank build --batch-size", options);
        Assert.Contains("bank build --min-area", options);
        Assert.Contains("bank extract --input-size", options);
        Assert.Contains("bank extract --max-area", options);
        Assert.Contains("generate --steps", options);
    }

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public async Task An_invalid_numeric_value_is_one_clean_usage_error(string command, string option, string value)
    {
        string[] args = [.. command.Split(' '), .. RequiredArguments(command, option), option, value];

        CliResult result = await CliRunner.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        string[] lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string line = Assert.Single(lines);
        Assert.StartsWith($"error: {option}: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter '", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.Equal("", result.StdOut.Trim());
    }

    [Theory]
    [InlineData(new[] { "augment", "--dataset", "d.json", "--out", "o", "--size", "7" }, "error: --size: must be at least 32, got 7")]
    [InlineData(new[] { "augment", "--dataset", "d.json", "--out", "o", "--policy", "zzz" }, "error: --policy: 'zzz' is not one of xpaste, simple, both")]
    [InlineData(new[] { "bank", "extract", "--images", "i", "--out", "o", "--device", "gpu" }, "error: --device: 'gpu' is not one of auto, cpu, cuda, cuda:N")]
    [InlineData(new[] { "bank", "build", "--dataset", "d.json", "--out", "o", "--batch-size", "0" }, "error: --batch-size: must be at least 1, got 0")]
    [InlineData(new[] { "bank", "extract", "--images", "i", "--out", "o", "--min-area", "-1" }, "error: --min-area: must be between 0 and 1, got -1")]
    [InlineData(new[] { "bank", "extract", "--images", "i", "--out", "o", "--selection", "best" }, "error: --selection: 'best' is not one of reference, quality")]
    [InlineData(new[] { "bank", "extract", "--images", "i", "--out", "o", "--min-cutout-side", "-1" }, "error: --min-cutout-side: must be at least 0, got -1")]
    [InlineData(new[] { "bank", "extract", "--images", "i", "--out", "o", "--per-category-budget", "0" }, "error: --per-category-budget: must be at least 1, got 0")]
    [InlineData(new[] { "inspect" }, "error: xpaste inspect: --dataset is required")]
    public async Task Bad_values_say_what_is_allowed_without_the_help_text(string[] args, string expected)
    {
        CliResult result = await CliRunner.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(expected, result.StdErr.Trim());
    }

    [Fact]
    public async Task An_out_that_names_a_file_is_refused()
    {
        using var temp = new TempFolder();
        string file = temp.File("taken.txt");
        File.WriteAllText(file, "x");

        CliResult result = await CliRunner.RunAsync(["bank", "build", "--dataset", "d.json", "--out", file]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"error: --out: {file} is a file; this option names a folder", result.StdErr.Trim());
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public async Task Cuda_where_there_is_none_is_refused_by_name()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            return;
        }

        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("images"));
        foreach (string[] args in new string[][]
        {
            new[] { "bank", "extract", "--images", temp.File("images"), "--category", "cat", "--out", temp.File("bank"), "--device", "cuda" },
            new[] { "clip", "score", "x.png", "--text", "a cat", "--model", temp.Path, "--device", "cuda" },
        })
        {
            CliResult result = await CliRunner.RunAsync(args);

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Equal("error: --device cuda: CUDA is not available here (no GPU, or a CPU-only TorchSharp backend); use --device cpu or auto", result.StdErr.Trim());
            Assert.False(Directory.Exists(temp.File("bank")));
        }
    }

    [Fact]
    public async Task Unknown_words_point_at_the_help_and_a_bare_group_lists_its_commands()
    {
        CliResult unknown = await CliRunner.RunAsync(["bogus"]);
        CliResult group = await CliRunner.RunAsync(["bank"]);

        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: bogus: not a command or option here\n(see 'xpaste --help')", unknown.StdErr.Trim().ReplaceLineEndings("\n"));
        Assert.Equal(2, group.ExitCode);
        Assert.StartsWith("error: xpaste bank: a command is needed: build, extract, stats, verify", group.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Values for the command's required arguments and options, other than <paramref name="except"/>.</summary>
    private static IEnumerable<string> RequiredArguments(string commandPath, string except)
    {
        Command command = CliApp.CreateRoot();
        foreach (string name in commandPath.Split(' '))
        {
            command = command.Subcommands.Single(c => c.Name == name);
        }

        foreach (Argument argument in command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0))
        {
            yield return IsNumeric(argument.ValueType) ? "1" : "x";
        }

        // Also the dataset where a command takes it either way (inspect: --dataset or its positional alias).
        foreach (Option option in command.Options.Where(o => (o.Required || o.Name == "--dataset") && o.Name != except))
        {
            yield return option.Name;
            yield return IsNumeric(option.ValueType) ? "1" : "x";
        }
    }

    private static IEnumerable<(string[] Path, Command Command)> Commands(Command command, string[] path)
    {
        foreach (Command sub in command.Subcommands)
        {
            string[] subPath = [.. path, sub.Name];
            yield return (subPath, sub);
            foreach (var nested in Commands(sub, subPath))
            {
                yield return nested;
            }
        }
    }

    private static bool IsFractional(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(double) || t == typeof(float));

    private static bool IsNumeric(Type type)
    {
        Type element = type.IsArray ? type.GetElementType()! : type;
        element = Nullable.GetUnderlyingType(element) ?? element;
        return NumericTypes.Contains(element);
    }
}
