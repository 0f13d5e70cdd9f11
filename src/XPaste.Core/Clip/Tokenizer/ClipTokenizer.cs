using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer, identical in output to OpenAI's <c>simple_tokenizer.py</c> (and so to Hugging
/// Face's <c>CLIPTokenizer</c> with ftfy installed): the same text cleaning, lower-casing, pre-tokenising pattern,
/// byte-to-unicode table and merge order. Thread-safe; results of the BPE step are cached per word.
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>The context length of every released CLIP text tower.</summary>
    public const int DefaultContextLength = 77;

    private const string StartToken = "<|startoftext|>";
    private const string EndToken = "<|endoftext|>";
    private const string EndOfWord = "</w>";
    private const int MaxCacheEntries = 1 << 18;

    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private readonly Dictionary<string, int> _encoder;
    private readonly string[] _decoder;
    private readonly Dictionary<(string First, string Second), int> _ranks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private ClipTokenizer(Dictionary<string, int> encoder, string[] decoder, Dictionary<(string, string), int> ranks)
    {
        _encoder = encoder;
        _decoder = decoder;
        _ranks = ranks;
        StartTokenId = encoder[StartToken];
        EndTokenId = encoder[EndToken];
    }

    /// <summary>The id of <c>&lt;|startoftext|&gt;</c> (49406 in CLIP's vocabulary).</summary>
    public int StartTokenId { get; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> (49407 in CLIP's vocabulary).</summary>
    public int EndTokenId { get; }

    /// <summary>The number of tokens in the vocabulary (49408 for CLIP).</summary>
    public int VocabularySize => _decoder.Length;

    /// <summary>The id of a vocabulary entry written as it is stored (e.g. <c>!</c>, <c>&lt;|endoftext|&gt;</c>), or null.</summary>
    internal int? TokenToId(string token) => _encoder.TryGetValue(token, out int id) ? id : null;

    /// <summary>Loads the tokenizer from a Hugging Face model folder holding <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    /// <param name="folder">The model folder.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="InvalidInputException">A file is missing or malformed.</exception>
    public static ClipTokenizer FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
    }

    /// <summary>Loads the tokenizer from a vocabulary (<c>token -> id</c> JSON) and a merge list.</summary>
    /// <param name="vocabPath">The <c>vocab.json</c> file.</param>
    /// <param name="mergesPath">The <c>merges.txt</c> file (a <c>#version</c> line, then one <c>first second</c> pair per line).</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="InvalidInputException">A file is missing or malformed.</exception>
    public static ClipTokenizer FromFiles(string vocabPath, string mergesPath)
    {
        ArgumentNullException.ThrowIfNull(vocabPath);
        ArgumentNullException.ThrowIfNull(mergesPath);
        foreach (string path in new[] { vocabPath, mergesPath })
        {
            if (!File.Exists(path))
            {
                throw new InvalidInputException(path, "file not found (a CLIP model folder has vocab.json and merges.txt)");
            }
        }

        using FileStream vocab = File.OpenRead(vocabPath);
        using StreamReader merges = File.OpenText(mergesPath);
        return Build(vocab, vocabPath, merges, mergesPath);
    }

    /// <summary>Builds the tokenizer from a vocabulary stream and a merge list, each named for messages.</summary>
    private static ClipTokenizer Build(Stream vocab, string vocabName, TextReader merges, string mergesName)
    {
        Dictionary<string, int> encoder = ReadVocabulary(vocab, vocabName);
        var decoder = new string[encoder.Count];
        foreach (var (token, id) in encoder)
        {
            if (id < 0 || id >= decoder.Length || decoder[id] is not null)
            {
                throw new InvalidInputException(vocabName, $"token ids must be 0..{decoder.Length - 1} without gaps or repeats; '{token}' has id {id}");
            }

            decoder[id] = token;
        }

        foreach (string special in new[] { StartToken, EndToken })
        {
            if (!encoder.ContainsKey(special))
            {
                throw new InvalidInputException(vocabName, $"the vocabulary lacks the special token {special}");
            }
        }

        return new ClipTokenizer(encoder, decoder, ReadMerges(merges, mergesName, encoder));
    }

    /// <summary>Encodes text into BPE token ids, without the start and end tokens.</summary>
    /// <param name="text">Any text; it is cleaned (HTML entities, whitespace) and lower-cased first.</param>
    /// <returns>The token ids.</returns>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string cleaned = ClipTextCleaner.Clean(text);
        var ids = new List<int>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64);
        try
        {
            foreach (Range piece in PreTokenize(cleaned))
            {
                ReadOnlySpan<char> word = cleaned.AsSpan(piece);
                if (word.SequenceEqual(StartToken) || word.SequenceEqual(EndToken))
                {
                    ids.Add(_encoder[word.ToString()]);
                    continue;
                }

                int byteCount = Encoding.UTF8.GetByteCount(word);
                if (byteCount > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(byteCount);
                }

                int written = Encoding.UTF8.GetBytes(word, buffer);
                var mapped = new StringBuilder(written);
                for (int i = 0; i < written; i++)
                {
                    mapped.Append(ByteToChar[buffer[i]]);
                }

                ids.AddRange(BytePairEncode(mapped.ToString()));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return ids.ToArray();
    }

    /// <summary>
    /// Tokenizes texts into CLIP's fixed-length input: start token, ids, end token, zero padding (OpenAI's
    /// <c>clip.tokenize</c>).
    /// </summary>
    /// <param name="texts">The texts.</param>
    /// <param name="contextLength">The sequence length, 77 for every released CLIP.</param>
    /// <param name="truncate">Cut texts that are too long, keeping the end token last; when false they throw.</param>
    /// <returns>A CPU <c>int64</c> tensor <c>[N, contextLength]</c>; the caller owns it.</returns>
    /// <exception cref="InvalidInputException">A text is too long and <paramref name="truncate"/> is false.</exception>
    public Tensor Tokenize(IReadOnlyList<string> texts, int contextLength = DefaultContextLength, bool truncate = true)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        long[] data = new long[(long)texts.Count * contextLength];
        for (int n = 0; n < texts.Count; n++)
        {
            int[] ids = Encode(texts[n]);
            Span<long> row = data.AsSpan(n * contextLength, contextLength);
            if (ids.Length + 2 > contextLength && !truncate)
            {
                string shown = texts[n].Length > 60 ? texts[n][..60] + "..." : texts[n];
                throw new InvalidInputException($"text '{shown}'",
                    $"{ids.Length + 2} tokens with start and end do not fit the context length {contextLength} (pass truncate: true to cut)");
            }

            row[0] = StartTokenId;
            int kept = Math.Min(ids.Length, contextLength - 2);
            for (int i = 0; i < kept; i++)
            {
                row[1 + i] = ids[i];
            }

            row[1 + kept] = EndTokenId;
        }

        return tensor(data, new long[] { texts.Count, contextLength });
    }

    /// <summary>Turns token ids back into text the way OpenAI's tokenizer does (each end of word becomes a space).</summary>
    /// <param name="ids">Token ids, with or without start, end and padding tokens (all are decoded as written).</param>
    /// <returns>The text; invalid UTF-8 becomes U+FFFD.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_decoder.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary of {_decoder.Length}");
            }

            foreach (char c in _decoder[id])
            {
                bytes.Add(CharToByte[c]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray()).Replace(EndOfWord, " ", StringComparison.Ordinal);
    }

    // The pattern <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+ (case
    // insensitive) scanned over code points, first alternative wins; unmatched characters (whitespace) are skipped.
    internal static List<Range> PreTokenize(string text)
    {
        var pieces = new List<Range>();
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int width);
            if (PythonText.IsSpace(rune.Value))
            {
                i += width;
                continue;
            }

            int end;
            if (text.AsSpan(i).StartsWith(StartToken, StringComparison.Ordinal))
            {
                end = i + StartToken.Length;
            }
            else if (text.AsSpan(i).StartsWith(EndToken, StringComparison.Ordinal))
            {
                end = i + EndToken.Length;
            }
            else if (rune.Value == '\'' && ContractionLength(text.AsSpan(i + 1)) is > 0 and int suffix)
            {
                end = i + 1 + suffix;
            }
            else if (PythonText.IsLetter(rune))
            {
                end = Scan(text, i, r => PythonText.IsLetter(r));
            }
            else if (PythonText.IsNumber(rune))
            {
                end = i + width;
            }
            else
            {
                end = Scan(text, i, r => !PythonText.IsSpace(r.Value) && !PythonText.IsLetter(r) && !PythonText.IsNumber(r));
            }

            pieces.Add(i..end);
            i = end;
        }

        return pieces;
    }

    // 's 't 're 've 'm 'll 'd after the apostrophe; the pattern is case-insensitive, and the text is lower-cased
    // already, but U+017F (long s) still case-folds to 's'.
    private static int ContractionLength(ReadOnlySpan<char> rest)
    {
        if (rest.StartsWith("re", StringComparison.Ordinal) || rest.StartsWith("ve", StringComparison.Ordinal)
            || rest.StartsWith("ll", StringComparison.Ordinal))
        {
            return 2;
        }

        return !rest.IsEmpty && rest[0] is 's' or 't' or 'm' or 'd' or '\u017F' ? 1 : 0;
    }

    private static int Scan(string text, int start, Func<Rune, bool> accept)
    {
        int i = start;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int width);
            if (!accept(rune))
            {
                break;
            }

            i += width;
        }

        return i;
    }

    private int[] BytePairEncode(string token)
    {
        if (_cache.TryGetValue(token, out int[]? cached))
        {
            return cached;
        }

        var word = new List<string>(token.Length);
        for (int i = 0; i < token.Length - 1; i++)
        {
            word.Add(token[i].ToString());
        }

        word.Add(token[^1] + EndOfWord);
        while (word.Count > 1)
        {
            // The adjacent pair with the lowest merge rank; every occurrence of it is merged, left to right.
            int bestRank = int.MaxValue;
            (string First, string Second) best = default;
            for (int i = 0; i < word.Count - 1; i++)
            {
                if (_ranks.TryGetValue((word[i], word[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (word[i], word[i + 1]);
                }
            }

            if (bestRank == int.MaxValue)
            {
                break;
            }

            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count;)
            {
                if (i < word.Count - 1 && word[i] == best.First && word[i + 1] == best.Second)
                {
                    merged.Add(best.First + best.Second);
                    i += 2;
                }
                else
                {
                    merged.Add(word[i]);
                    i++;
                }
            }

            word = merged;
        }

        int[] ids = new int[word.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = _encoder[word[i]];
        }

        if (_cache.Count >= MaxCacheEntries)
        {
            _cache.Clear();
        }

        _cache.TryAdd(token, ids);
        return ids;
    }

    private static Dictionary<string, int> ReadVocabulary(Stream stream, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                ?? throw new InvalidInputException(path, "the vocabulary is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(path, $"not a token -> id JSON object: {ex.Message}", ex);
        }
    }

    private static Dictionary<(string, string), int> ReadMerges(TextReader reader, string path, Dictionary<string, int> encoder)
    {
        // Like OpenAI's loader: merges beyond what the vocabulary holds (256 bytes twice, 2 specials) are unused.
        int capacity = Math.Max(0, encoder.Count - 512 - 2);
        var ranks = new Dictionary<(string, string), int>(capacity);
        int lineNumber = 0, merges = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if ((lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
            {
                continue;
            }

            if (merges == capacity)
            {
                break;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            {
                throw new InvalidInputException(path, $"line {lineNumber} is not a 'first second' merge: '{line}'");
            }

            string first = line[..space], second = line[(space + 1)..];
            if (!encoder.ContainsKey(first + second))
            {
                throw new InvalidInputException(path, $"line {lineNumber}: the merge result '{first + second}' is not in the vocabulary");
            }

            // A repeated pair keeps its last rank, as a Python dict built from the list would.
            ranks[(first, second)] = merges++;
        }

        return ranks;
    }

    // GPT-2's reversible byte -> printable character table: printable Latin-1 bytes map to themselves, the other
    // 68 bytes to U+0100 onwards in byte order.
    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            table[b] = printable ? (char)b : (char)(256 + next++);
        }

        return table;
    }
}
