using System.Text;
using CsCheck;
using Parquet.Serialization;
using XPaste.Crawl;
using XPaste.Tests;
using XPaste.Tests.Fuzzing;

namespace XPaste.Crawl.Tests;

/// <summary>
/// Mutated URL lists of every format (as the COCO JSON fuzz target, <see cref="Mutator.Seconds"/> each) are read or
/// refused with an <see cref="InvalidInputException"/> naming the file, never another exception; what is read is usable.
/// </summary>
public sealed class UrlListFuzzTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Formats() => ["txt", "csv", "tsv", "jsonl", "parquet"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Mutated_lists_are_read_or_refused_naming_the_file(string format)
    {
        byte[] original = await ValidAsync(format);
        var options = new UrlListOptions { Category = format == "txt" ? "cat" : null };
        Mutator.Of(original).Sample(
            input =>
            {
                string path = _temp.File($"{Guid.NewGuid():N}.{format}");
                File.WriteAllBytes(path, input.Bytes);
                try
                {
                    IReadOnlyList<CrawlItem> items = UrlList.ReadAsync(path, options).GetAwaiter().GetResult();
                    for (int i = 0; i < items.Count; i++)
                    {
                        Assert.True(i == 0 || items[i].Index > items[i - 1].Index, "indices are not increasing");
                        Assert.False(string.IsNullOrWhiteSpace(items[i].Url));
                        Assert.True(Encoding.UTF8.GetByteCount(items[i].Category) <= 255 && !items[i].Category.StartsWith('.')
                            && items[i].Category.IndexOfAny(['/', '\\', ':', '\0']) < 0, $"category '{items[i].Category}' kept");
                    }
                }
                catch (InvalidInputException ex)
                {
                    Assert.StartsWith(path, ex.Input, StringComparison.Ordinal);
                }
                finally
                {
                    File.Delete(path);
                }
            },
            time: Mutator.Seconds,
            print: input => $"seed {input.Seed} ({format})");
    }

    private async Task<byte[]> ValidAsync(string format)
    {
        string[] urls = ["http://a.example/1.jpg", "https://b.example/x/2.png", "http://c.example/3.webp"];
        string[] categories = ["cat", "hot dog", "caf\u00e9"];
        switch (format)
        {
            case "txt":
                return Encoding.UTF8.GetBytes("# list\n" + string.Join("\n", urls) + "\n");
            case "csv":
            case "tsv":
                char sep = format == "csv" ? ',' : '\t';
                var text = new StringBuilder($"url{sep}category{sep}license{sep}caption\n");
                for (int i = 0; i < urls.Length; i++)
                {
                    text.Append(urls[i]).Append(sep).Append(categories[i]).Append(sep).Append("CC0").Append(sep).Append("\"a, \"\"quoted\"\" caption\"\n");
                }

                return Encoding.UTF8.GetBytes(text.ToString());
            case "jsonl":
                return Encoding.UTF8.GetBytes(string.Concat(urls.Select((u, i) => $"{{\"url\":\"{u}\",\"category\":\"{categories[i]}\",\"license\":\"CC0\"}}\n")));
            default:
                string path = _temp.File("valid.parquet");
                await ParquetSerializer.SerializeAsync(urls.Select((u, i) => new Row { url = u, category = categories[i], license = "CC0" }), path);
                return File.ReadAllBytes(path);
        }
    }

#pragma warning disable IDE1006, SA1300 // column names as in the lists
    public sealed class Row
    {
        public string? url { get; set; }

        public string? category { get; set; }

        public string? license { get; set; }
    }
#pragma warning restore IDE1006, SA1300
}
