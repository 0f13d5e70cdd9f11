using Parquet.Serialization;
using XPaste.Crawl;
using XPaste.Tests;

namespace XPaste.Crawl.Tests;

public sealed class UrlListTests
{
    [Fact]
    public async Task Csv_with_quotes_and_extra_columns_reads_url_category_licence_and_caption()
    {
        using var folder = new TempFolder();
        string path = folder.File("list.csv");
        File.WriteAllText(path, "id,URL,category,license,caption\n1,http://a/1.jpg,dog,CC-BY-4.0,\"a dog, running\"\n2,,dog,,\n3,http://a/3.jpg,cat,,\"two\nlines\"\n");

        IReadOnlyList<CrawlItem> items = await UrlList.ReadAsync(path);

        Assert.Equal(
            [new CrawlItem(0, "http://a/1.jpg", "dog", "CC-BY-4.0", "a dog, running"), new CrawlItem(2, "http://a/3.jpg", "cat", null, "two\nlines")],
            items);
    }

    [Fact]
    public async Task Tsv_text_and_jsonl_read_alike()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("l.tsv"), "url\tcategory\nhttp://a/1.jpg\tdog\n");
        File.WriteAllText(folder.File("l.txt"), "# comment\n\nhttp://a/1.jpg\n");
        File.WriteAllText(folder.File("l.jsonl"), "{\"url\":\"http://a/1.jpg\",\"category\":\"dog\",\"license\":\"CC0\"}\n");

        var tsv = await UrlList.ReadAsync(folder.File("l.tsv"));
        var txt = await UrlList.ReadAsync(folder.File("l.txt"), new UrlListOptions { Category = "dog" });
        var jsonl = await UrlList.ReadAsync(folder.File("l.jsonl"));

        Assert.Equal([new CrawlItem(0, "http://a/1.jpg", "dog")], tsv);
        Assert.Equal([new CrawlItem(0, "http://a/1.jpg", "dog")], txt);
        Assert.Equal([new CrawlItem(0, "http://a/1.jpg", "dog", "CC0")], jsonl);
    }

    [Fact]
    public async Task A_parquet_footer_claiming_billions_of_list_elements_is_refused_at_once()
    {
        // FileMetaData with field 1 a list of 2^31 booleans in 7 bytes: Parquet.Net would skip them one by one for minutes.
        using var folder = new TempFolder();
        byte[] footer = [0x19, 0xF1, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00];
        string path = folder.File("lying.parquet");
        File.WriteAllBytes(path, [.. "PAR1"u8, .. footer, .. BitConverter.GetBytes(footer.Length), .. "PAR1"u8]);

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(path, new UrlListOptions()));

        Assert.Equal($"{path}: footer", ex.Input);
        Assert.Equal("not a readable parquet file: has a malformed footer (a list of 2147483648 elements with 1 bytes left)", ex.Problem);
    }

    [Fact]
    public async Task A_parquet_footer_parquet_net_would_read_past_its_end_is_refused_instead_of_spinning()
    {
        // A real Parquet.Net 6.1 footer (three string columns, two rows) with a few bytes changed, as the fuzz target
        // mutates them (the fuzz target hung on such a file): well-formed Thrift, so the walk passes it, but Parquet.Net
        // reads each known field by its schema type and ends up reading a number past the footer's end, where it spun.
        Assert.True(ParquetFooterParse.Available, "Parquet.Net's footer parser was not found: the check cannot run");
        using var folder = new TempFolder();
        byte[] footer = Convert.FromHexString(""
            + "1502194C4804726F3F74150600150C2502180375726C25004C1C000000150C2502180863617465676F727925004C1C000000"
            + "150C250218076C6963656E736525004C1C0000001604191C193C26081C150C1925000619180375726C1502160416F00216E4"
            + "0226083C181968747470733A2F2F622E6578616D706C652F782F322E706E671816687474703A2F2F612E6578616D706C652F"
            + "312E6A70671600281968747470733A2F2F622E6578616D706C652F782F322E706E671816687474703A2F2F612E6578616D70"
            + "6C652F312E6A706700000026EC021C150C1925000619180863617465676772791502160416920116960126EC023C1807686F"
            + "7420646F67180363617416002807686F7420646F6718036361740000002682041C150C192500061918076C6963656E736515"
            + "020204167A167E2682043C1803434330180343433016002803434330180343433000000016FC04160436F80400284A506172"
            + "717565742E4E65742076657273696F6E20362E312E3020286275696C64206331373964393762643235343962356634346139"
            + "32343165373239663836396434393437656535392900");
        string path = folder.File("retyped.parquet");
        File.WriteAllBytes(path, [.. "PAR1"u8, .. footer, .. BitConverter.GetBytes(footer.Length), .. "PAR1"u8]);

        var ex = await Assert.ThrowsAsync<InvalidInputException>(
            () => Task.Run(() => UrlList.ReadAsync(path, new UrlListOptions())).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal($"{path}: footer", ex.Input);
        Assert.StartsWith("not a readable parquet file: has a malformed footer (", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parquet_columns_are_chosen_by_name()
    {
        using var folder = new TempFolder();
        string path = folder.File("laion.parquet");
        ParquetRow[] rows = [new() { URL = "http://a/1.jpg", TEXT = "a cat", LICENSE = "CC-BY", Similarity = 0.3 }, new() { URL = "http://a/2.jpg", TEXT = null, LICENSE = null, Similarity = 0.1 }];
        await ParquetSerializer.SerializeAsync(rows, path);

        IReadOnlyList<CrawlItem> items = await UrlList.ReadAsync(path, new UrlListOptions { UrlColumn = "URL", CaptionColumn = "TEXT", LicenseColumn = "LICENSE", Category = "cat" });

        Assert.Equal([new CrawlItem(0, "http://a/1.jpg", "cat", "CC-BY", "a cat"), new CrawlItem(1, "http://a/2.jpg", "cat")], items);
    }

    [Fact]
    public async Task A_missing_url_column_a_text_list_without_category_and_a_path_as_category_are_refused()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("a.csv"), "link,category\nhttp://a/1.jpg,dog\n");
        File.WriteAllText(folder.File("b.txt"), "http://a/1.jpg\n");
        File.WriteAllText(folder.File("c.csv"), "url,category\nhttp://a/1.jpg,../etc\n");

        var a = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(folder.File("a.csv")));
        var b = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(folder.File("b.txt")));
        var c = await Assert.ThrowsAsync<InvalidInputException>(() => UrlList.ReadAsync(folder.File("c.csv")));

        Assert.Contains("'url'", a.Problem, StringComparison.Ordinal);
        Assert.Contains("category", b.Problem, StringComparison.Ordinal);
        Assert.Contains("../etc", c.Problem, StringComparison.Ordinal);
        Assert.StartsWith(folder.File("c.csv") + ": line 2", c.Message, StringComparison.Ordinal);
    }

    public sealed class ParquetRow
    {
        public string? URL { get; set; }

        public string? TEXT { get; set; }

        public string? LICENSE { get; set; }

        public double Similarity { get; set; }
    }
}
