using System.IO.Compression;

namespace XPaste.Clip;

/// <content>The tokenizer that ships with the library.</content>
public sealed partial class ClipTokenizer
{
    private static readonly Lazy<ClipTokenizer> Bundled = new(LoadBundled);

    /// <summary>
    /// CLIP's own vocabulary and merge list (OpenAI's release, MIT licence; the <c>vocab.json</c> and
    /// <c>merges.txt</c> of every CLIP model on the Hugging Face Hub), embedded in this library: tokenizing needs no
    /// download and no model folder. Built once per process (about 0.2 s); the instance is shared and thread-safe.
    /// </summary>
    /// <returns>The tokenizer.</returns>
    public static ClipTokenizer CreateDefault() => Bundled.Value;

    private static ClipTokenizer LoadBundled()
    {
        using Stream vocab = Resource("clip-vocab.json.gz");
        using Stream merges = Resource("clip-merges.txt.gz");
        using var mergesReader = new StreamReader(merges);
        return Build(vocab, "the bundled vocab.json", mergesReader, "the bundled merges.txt");
    }

    private static GZipStream Resource(string name)
    {
        Stream stream = typeof(ClipTokenizer).Assembly.GetManifestResourceStream("XPaste.Clip.Tokenizer." + name)
            ?? throw new InvalidOperationException($"the resource {name} is missing from XPaste.Core");
        return new GZipStream(stream, CompressionMode.Decompress);
    }
}
