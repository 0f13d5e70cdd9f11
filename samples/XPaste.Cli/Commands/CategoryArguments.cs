using System.CommandLine;
using XPaste.Abstractions;
using XPaste.Offline;
using XPaste.Sharding;
using XPaste.Coco;

namespace XPaste.Cli.Commands;

/// <summary>
/// The category-list and shard options of the per-category commands (<c>generate --categories</c>, <c>bank run</c>):
/// <c>--categories FILE [--frequency r,c,f] [--category NAME...] [--shard K/N | --shards N]</c>.
/// </summary>
internal sealed class CategoryArguments(bool required)
{
    private readonly Option<FileInfo?> _file = new("--categories")
    {
        Description = "The categories: a COCO/LVIS dataset .json (ids from it) or a text file of names, one a line.",
        Required = required,
    };

    private readonly Option<string?> _frequency = new("--frequency") { Description = "Only these LVIS frequencies, e.g. r or r,c (needs a dataset .json)." };
    private readonly Option<string[]> _only = new("--category") { Description = "Only these category names (repeat for several).", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string?> _shard = new("--shard") { Description = ShardOption.ShardDescription };
    private readonly Option<int?> _shards = new Option<int?>("--shards") { Description = ShardOption.ShardsDescription }.AtLeast(1);

    /// <summary>The file option, to tell whether a command runs per category.</summary>
    public Option<FileInfo?> File => _file;

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _file, _frequency, _only, _shard, _shards })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Every category of the run (all shards), filtered by frequency and names.</summary>
    public IReadOnlyList<CategoryInfo> Categories(ParseResult parse)
    {
        FileInfo file = parse.GetValue(_file) ?? throw new CliUsageException("--categories: required");
        string[] frequencies = (parse.GetValue(_frequency) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? bad = frequencies.FirstOrDefault(f => f is not ("r" or "c" or "f"));
        if (bad is not null)
        {
            throw new CliUsageException($"--frequency: '{bad}' is not an LVIS frequency (r, c or f)");
        }

        IReadOnlyList<CategoryInfo> categories = CategoryList.Load(file.FullName, frequencies);
        string[] names = parse.GetValue(_only) ?? [];
        return names.Length > 0 ? CategoryList.Select(categories, names, "--category") : categories;
    }

    /// <summary>This worker's shard.</summary>
    public ShardSpec Shard(ParseResult parse) => ShardOption.Resolve(parse.GetValue(_shard), parse.GetValue(_shards));
}
