using System.Text;
using System.Text.Json;

namespace XPaste.Crawl;

/// <summary>
/// The append-only crawl log, one JSON line per settled URL. Each line goes out in a single write, and a line torn
/// by a crash (no final newline) is cut off when the log is reopened, so the log only ever holds whole records.
/// The file is opened exclusively: two crawls cannot write the same log.
/// </summary>
internal sealed class CrawlLog : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly FileStream _stream;
    private readonly List<CrawlRecord> _records;
    private readonly List<long> _ends;

    private CrawlLog(FileStream stream, string path, List<CrawlRecord> records, List<long> ends, bool existed)
    {
        _stream = stream;
        Path = path;
        _records = records;
        _ends = ends;
        Existed = existed;
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>The records already in the log when it was opened.</summary>
    public IReadOnlyList<CrawlRecord> Records => _records;

    /// <summary>Whether the log was there before (a resumed crawl).</summary>
    public bool Existed { get; }

    /// <summary>Opens or creates the log, reading what it holds and cutting a torn last line.</summary>
    /// <exception cref="InvalidInputException">A complete line is not a crawl record, or another crawl has the log open.</exception>
    public static CrawlLog Open(string path)
    {
        bool existed = File.Exists(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new InvalidInputException(path, $"is in use by another crawl ({ex.Message})", ex);
        }

        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            if (end < bytes.Length)
            {
                // The process died mid-line: that URL was not settled.
                stream.SetLength(end);
            }

            var records = new List<CrawlRecord>();
            var ends = new List<long>();
            int line = 0, start = 0;
            while (start < end)
            {
                int stop = Array.IndexOf(bytes, (byte)'\n', start);
                line++;
                ReadOnlySpan<byte> text = bytes.AsSpan(start, stop - start);
                start = stop + 1;
                if (text.Trim((byte)'\r').IsEmpty)
                {
                    continue;
                }

                try
                {
                    records.Add(JsonSerializer.Deserialize<CrawlRecord>(text, Json)
                        ?? throw new JsonException("null record"));
                    ends.Add(start);
                }
                catch (JsonException ex)
                {
                    throw new InvalidInputException($"{path}: line {line}", $"not a crawl record ({ex.Message})", ex);
                }
            }

            stream.Seek(0, SeekOrigin.End);
            return new CrawlLog(stream, path, records, ends, existed);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Keeps only the first <paramref name="count"/> records (the rest are to be done again).</summary>
    public void TruncateTo(int count)
    {
        long end = count == 0 ? 0 : _ends[count - 1];
        _stream.SetLength(end);
        _stream.Seek(0, SeekOrigin.End);
        _stream.Flush(flushToDisk: true);
        _records.RemoveRange(count, _records.Count - count);
        _ends.RemoveRange(count, _ends.Count - count);
    }

    /// <summary>Appends one record as one line, in one write.</summary>
    public void Append(CrawlRecord record)
    {
        byte[] line = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        var buffer = new byte[line.Length + 1];
        line.CopyTo(buffer, 0);
        buffer[^1] = (byte)'\n';
        _stream.Write(buffer);
        // Into the OS now (a killed process loses nothing); to the disk at the end of the run.
        _stream.Flush(flushToDisk: false);
    }

    /// <summary>Reads a finished log (for reports and tests).</summary>
    /// <param name="path">The log file.</param>
    /// <returns>Its records in order.</returns>
    public static IReadOnlyList<CrawlRecord> ReadAll(string path)
    {
        var records = new List<CrawlRecord>();
        foreach (string line in File.ReadLines(path, Encoding.UTF8))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                records.Add(JsonSerializer.Deserialize<CrawlRecord>(line, Json)!);
            }
        }

        return records;
    }

    public void Dispose()
    {
        try
        {
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
        }

        _stream.Dispose();
    }
}
