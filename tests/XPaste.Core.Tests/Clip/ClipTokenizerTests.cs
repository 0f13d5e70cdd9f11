using System.Text.Json;
using XPaste.Clip;
using static TorchSharp.torch;

namespace XPaste.Tests.Clip;

public sealed class ClipTokenizerTests
{
    private static readonly Lazy<ClipTokenizer> SharedTokenizer = new(() => ClipTokenizer.FromFolder(TestFiles.Data("clip", "clip_tiny")));

    internal static ClipTokenizer Tokenizer => SharedTokenizer.Value;

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < LoadCases().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Encode_matches_the_reference_ids(int index)
    {
        TokenizerCase c = LoadCases()[index];
        Assert.Equal(c.Ids, Tokenizer.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Tokenize_matches_the_reference_77_token_rows(int index)
    {
        TokenizerCase c = LoadCases()[index];
        using Tensor tokens = Tokenizer.Tokenize([c.Text]);
        Assert.Equal(new long[] { 1, 77 }, tokens.shape);
        Assert.Equal(ScalarType.Int64, tokens.dtype);
        Assert.Equal(c.Tokenized77, tokens.data<long>().ToArray());
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Decode_matches_the_reference_text(int index)
    {
        TokenizerCase c = LoadCases()[index];
        Assert.Equal(c.Decoded, Tokenizer.Decode(c.Ids));
    }

    [Fact]
    public void Tokenize_batches_rows_in_order()
    {
        List<TokenizerCase> cases = LoadCases();
        using Tensor tokens = Tokenizer.Tokenize(cases.Select(c => c.Text).ToList());
        Assert.Equal(new long[] { cases.Count, 77 }, tokens.shape);
        long[] all = tokens.data<long>().ToArray();
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Equal(cases[i].Tokenized77, all.AsSpan(i * 77, 77).ToArray());
        }
    }

    [Fact]
    public void The_bundled_tokenizer_needs_no_folder_and_matches_the_reference()
    {
        ClipTokenizer bundled = ClipTokenizer.CreateDefault();

        Assert.Same(bundled, ClipTokenizer.CreateDefault());
        Assert.Equal((49406, 49407, 49408), (bundled.StartTokenId, bundled.EndTokenId, bundled.VocabularySize));
        foreach (TokenizerCase c in LoadCases())
        {
            Assert.Equal(c.Ids, bundled.Encode(c.Text));
        }

        // The whole vocabulary, not only the cases: every token decodes to what the model folder's tokenizer gives.
        int[] all = Enumerable.Range(0, Tokenizer.VocabularySize).ToArray();
        Assert.Equal(Tokenizer.Decode(all), bundled.Decode(all));
    }

    [Fact]
    public void Special_token_ids_and_vocabulary_size_are_clips()
    {
        Assert.Equal(49406, Tokenizer.StartTokenId);
        Assert.Equal(49407, Tokenizer.EndTokenId);
        Assert.Equal(49408, Tokenizer.VocabularySize);
    }

    [Fact]
    public void Too_long_text_is_cut_keeping_the_end_token_or_rejected_when_truncation_is_off()
    {
        string text = string.Join(' ', Enumerable.Repeat("cat", 100));
        using Tensor cut = Tokenizer.Tokenize([text], contextLength: 10);
        long[] row = cut.data<long>().ToArray();
        Assert.Equal(49406, row[0]);
        Assert.Equal(49407, row[^1]);
        Assert.All(row[1..^1], id => Assert.Equal(Tokenizer.Encode("cat")[0], id));

        var ex = Assert.Throws<InvalidInputException>(() => Tokenizer.Tokenize([text], contextLength: 10, truncate: false));
        Assert.Contains("102 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("context length 10", ex.Message, StringComparison.Ordinal);

        // Exactly full still fits: start + 8 ids + end.
        using Tensor full = Tokenizer.Tokenize([string.Join(' ', Enumerable.Repeat("cat", 8))], contextLength: 10, truncate: false);
        Assert.Equal(49407, full.data<long>()[9]);
    }

    [Theory]
    [InlineData("it\u2019s a \u201Ccat\u201D", "it's a \"cat\"")]
    [InlineData("\uFF21\uFF22\uFF23 \uFB01sh", "abc fish")]
    [InlineData("cafe\u0301", "caf\u00E9")]
    [InlineData("a\u001Cb\u200Bc", "ab\u200Bc")]
    public void Cleaning_applies_ftfys_quote_width_ligature_nfc_and_control_fixes(string raw, string equivalent)
    {
        Assert.Equal(Tokenizer.Encode(equivalent), Tokenizer.Encode(raw));
    }

    [Theory]
    [InlineData("&amp;amp;", "&")]
    [InlineData("&#65;&#x42;&#67", "abc")]
    [InlineData("&ampx &copy2024", "&x \u00A92024")]
    [InlineData("&AMP; &apos;", "& '")]
    [InlineData("&#150;", "\u2013")]
    [InlineData("&unknownentity;", "&unknownentity;")]
    public void Html_entities_are_unescaped_like_pythons_html_module(string raw, string equivalent)
    {
        Assert.Equal(Tokenizer.Encode(equivalent), Tokenizer.Encode(raw));
    }

    [Fact]
    public void Python_lower_casing_rules_are_kept()
    {
        // Final sigma, and the dotted capital I that lower-cases to two characters.
        Assert.Equal(Tokenizer.Encode("οδος"), Tokenizer.Encode("ΟΔΟΣ"));
        Assert.NotEqual(Tokenizer.Encode("οδοσ"), Tokenizer.Encode("ΟΔΟΣ"));
        Assert.Equal(Tokenizer.Encode("i\u0307stanbul"), Tokenizer.Encode("\u0130stanbul"));
    }

    [Fact]
    public void Pre_tokeniser_follows_the_reference_pattern_on_code_points()
    {
        static string[] Pieces(string text) => ClipTokenizer.PreTokenize(text).Select(r => text[r]).ToArray();

        Assert.Equal(["it", "'s", "...'", "s", "a", "1", "2"], Pieces("it's ...'s a12"));
        Assert.Equal(["'re", "d"], Pieces("'red"));
        Assert.Equal(["!<|", "startoftext", "|>"], Pieces("!<|startoftext|>"));
        Assert.Equal(["<|endoftext|>", "x"], Pieces("<|endoftext|>x"));
        // A letter outside the BMP is a letter, not two symbol halves.
        Assert.Equal(["a\U00020000b"], Pieces("a\U00020000b"));
    }

    [Fact]
    public void Missing_or_malformed_files_are_reported_by_name()
    {
        using var temp = new TempFolder();
        var missing = Assert.Throws<InvalidInputException>(() => ClipTokenizer.FromFolder(temp.Path));
        Assert.EndsWith("vocab.json", missing.Input, StringComparison.Ordinal);

        File.WriteAllText(temp.File("vocab.json"), "[1,2,3]");
        File.WriteAllText(temp.File("merges.txt"), "#version: 0.2\n");
        var malformed = Assert.Throws<InvalidInputException>(() => ClipTokenizer.FromFolder(temp.Path));
        Assert.Contains("JSON", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_vocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([49408]));
    }

    internal static List<TokenizerCase> LoadCases()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(TestFiles.Data("clip", "clip_tokenizer_cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => new TokenizerCase(
            e.GetProperty("text").GetString()!,
            e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            e.GetProperty("tokenized77").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
            e.GetProperty("decoded").GetString()!)).ToList();
    }

    internal sealed record TokenizerCase(string Text, int[] Ids, long[] Tokenized77, string Decoded);
}
