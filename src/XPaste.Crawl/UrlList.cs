using System.Globalization;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace XPaste.Crawl;

/// <summary>Reads URL lists (txt, csv, tsv, jsonl, parquet) into <see cref="CrawlItem"/>s, in file order.</summary>
public static class UrlList
{
    /// <summary>The longest category name in UTF-8 bytes: a folder name on every common file system (ext4, NTFS, APFS).</summary>
    internal const int MaxCategoryBytes = 255;

    private static readonly HashSet<string> WindowsDevices = new(
        ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", .. Enumerable.Range(0, 10).SelectMany(i => new[] { $"COM{i}", $"LPT{i}" }), "COM\u00b9", "COM\u00b2", "COM\u00b3", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The URL list.</param>
    /// <param name="options">Format and columns; defaults when null.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The items, indexed 0, 1, ... in file order (rows without a URL are skipped but keep their place).</returns>
    /// <exception cref="InvalidInputException">The file is missing, malformed, lacks a column, or names an unusable category.</exception>
    public static async Task<IReadOnlyList<CrawlItem>> ReadAsync(string path, UrlListOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new UrlListOptions();
        if (!File.Exists(path))
        {
            throw new InvalidInputException(path, "file not found");
        }

        UrlListFormat format = options.Format == UrlListFormat.Auto ? FormatOf(path) : options.Format;
        IEnumerable<Row> rows = format switch
        {
            UrlListFormat.Text => ReadText(path),
            UrlListFormat.Csv => ReadDelimited(path, ','),
            UrlListFormat.Tsv => ReadDelimited(path, '\t'),
            UrlListFormat.JsonLines => ReadJsonLines(path),
            UrlListFormat.Parquet => await ReadParquetAsync(path, options, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Format, "unknown URL list format"),
        };

        var items = new List<CrawlItem>();
        int index = 0;
        foreach (Row row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (index >= options.MaxRows)
            {
                throw new InvalidInputException($"{path}: {row.Where}", $"more than {options.MaxRows} rows (UrlListOptions.MaxRows); split the list");
            }

            if (!row.IsHeaderless && !row.Has(options.UrlColumn))
            {
                throw new InvalidInputException($"{path}: {row.Where}", $"no '{options.UrlColumn}' column (UrlListOptions.UrlColumn, --url-column)");
            }

            string? url = row.IsHeaderless ? row.Single : row.Get(options.UrlColumn);

            if (string.IsNullOrWhiteSpace(url))
            {
                index++;
                continue;
            }

            string? category = options.Category ?? row.Get(options.CategoryColumn);
            if (string.IsNullOrWhiteSpace(category))
            {
                throw new InvalidInputException($"{path}: {row.Where}", options.Category is null && format == UrlListFormat.Text
                    ? "a text URL list needs a category (UrlListOptions.Category, --category)"
                    : $"no category: the '{options.CategoryColumn}' column is missing or empty (or set one category for all)");
            }

            CheckCategory(category.Trim(), $"{path}: {row.Where}");
            items.Add(new CrawlItem(index++, url.Trim(), category.Trim(),
                Blank(options.LicenseColumn is null ? null : row.Get(options.LicenseColumn)),
                Blank(options.CaptionColumn is null ? null : row.Get(options.CaptionColumn))));
        }

        return items;
    }

    /// <summary>The format a file's extension implies.</summary>
    /// <param name="path">The file name.</param>
    /// <returns>The format.</returns>
    /// <exception cref="InvalidInputException">The extension is not one of .txt, .csv, .tsv, .jsonl, .ndjson, .json, .parquet.</exception>
    public static UrlListFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".txt" or ".urls" or ".lst" => UrlListFormat.Text,
        ".csv" => UrlListFormat.Csv,
        ".tsv" or ".tab" => UrlListFormat.Tsv,
        ".jsonl" or ".ndjson" or ".json" => UrlListFormat.JsonLines,
        ".parquet" => UrlListFormat.Parquet,
        string ext => throw new InvalidInputException(path, $"cannot tell the URL list format from '{ext}': name the format (txt, csv, tsv, jsonl, parquet)"),
    };

    /// <summary>
    /// Rejects category names that cannot be a single, visible, portable folder name beside the crawl's own files:
    /// path separators, colons, control characters, a leading dot, a trailing dot or space, more than 255 UTF-8 bytes,
    /// Windows device names (CON, NUL, COM1, ...) and the names of the crawl logs (<c>crawl.jsonl</c>,
    /// <c>crawl.shard-K-of-N.jsonl</c>).
    /// </summary>
    internal static void CheckCategory(string category, string input)
    {
        if (CategoryProblem(category) is { } problem)
        {
            throw new InvalidInputException(input, $"category '{Shown(category)}' cannot be a folder name: {problem}");
        }
    }

    private static string? CategoryProblem(string category)
    {
        if (category is "." or ".." || category.StartsWith('.'))
        {
            return "it starts with a dot (hidden, or a path step)";
        }

        if (category.IndexOfAny(['/', '\\', ':']) >= 0 || category.Any(char.IsControl))
        {
            return "no path separators, colons or control characters";
        }

        if (category.EndsWith(' ') || category.EndsWith('.'))
        {
            return "it ends with a space or a dot (Windows drops them)";
        }

        int bytes = Encoding.UTF8.GetByteCount(category);
        if (bytes > MaxCategoryBytes)
        {
            return $"{bytes} UTF-8 bytes, over the file-system limit of {MaxCategoryBytes}";
        }

        string stem = category.Split('.')[0].TrimEnd();
        if (WindowsDevices.Contains(stem))
        {
            return $"'{stem}' is a reserved device name on Windows";
        }

        if (category.StartsWith("crawl.", StringComparison.OrdinalIgnoreCase) && category.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            return "the crawl's log files are named like this (crawl.jsonl, crawl.shard-K-of-N.jsonl)";
        }

        return null;
    }

    /// <summary>A long name cut for the message (the input names the line).</summary>
    private static string Shown(string category) => category.Length <= 80 ? category : category[..60] + "...";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IEnumerable<Row> ReadText(string path)
    {
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            string t = text.Trim();
            if (t.Length == 0 || t.StartsWith('#'))
            {
                continue;
            }

            yield return Row.Headerless(t, $"line {line}");
        }
    }

    private static IEnumerable<Row> ReadDelimited(string path, char separator)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        Dictionary<string, int>? header = null;
        int line = 0;
        while (true)
        {
            int start = line + 1;
            List<string>? fields = ReadRecord(reader, separator, ref line, path);
            if (fields is null)
            {
                yield break;
            }

            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue;
            }

            if (header is null)
            {
                header = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < fields.Count; i++)
                {
                    header.TryAdd(fields[i].Trim().TrimStart('\uFEFF'), i);
                }

                continue;
            }

            Dictionary<string, int> columns = header;
            yield return new Row(name => columns.TryGetValue(name, out int i) && i < fields.Count ? fields[i] : null,
                name => columns.ContainsKey(name), $"line {start}");
        }
    }

    /// <summary>One CSV record, quotes spanning lines allowed; null at the end of the file.</summary>
    private static List<string>? ReadRecord(StreamReader reader, char separator, ref int line, string path)
    {
        string? text = reader.ReadLine();
        if (text is null)
        {
            return null;
        }

        line++;
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        int i = 0;
        while (true)
        {
            if (i == text.Length)
            {
                if (!quoted)
                {
                    fields.Add(field.ToString());
                    return fields;
                }

                // A quoted field continues on the next line.
                text = reader.ReadLine() ?? throw new InvalidInputException($"{path}: line {line}", "a quoted field is not closed");
                line++;
                field.Append('\n');
                i = 0;
                continue;
            }

            char c = text[i++];
            if (quoted)
            {
                if (c == '"' && i < text.Length && text[i] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
    }

    private static IEnumerable<Row> ReadJsonLines(string path)
    {
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(text);
                root = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new InvalidInputException($"{path}: line {line}", $"not valid JSON ({ex.Message})", ex);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException($"{path}: line {line}", "expected a JSON object");
            }

            yield return new Row(name => root.TryGetProperty(name, out JsonElement v) ? Scalar(v) : null,
                name => root.TryGetProperty(name, out _), $"line {line}");
        }
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => null,
    };

    private static async Task<IEnumerable<Row>> ReadParquetAsync(string path, UrlListOptions options, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        string where = "footer";
        try
        {
            await using FileStream stream = File.OpenRead(path);
            if (ParquetFooterCheck.Problem(stream) is { } problem)
            {
                throw new InvalidInputException($"{path}: {where}", $"not a readable parquet file: {problem}");
            }

            await using ParquetReader reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            DataField[] fields = reader.Schema.GetDataFields();
            string?[] wanted = [options.UrlColumn, options.Category is null ? options.CategoryColumn : null, options.LicenseColumn, options.CaptionColumn];
            var chosen = new Dictionary<string, DataField>(StringComparer.OrdinalIgnoreCase);
            foreach (string? name in wanted)
            {
                DataField? field = name is null ? null : fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
                if (field is not null)
                {
                    chosen.TryAdd(name!, field);
                }
            }

            if (!chosen.ContainsKey(options.UrlColumn))
            {
                throw new InvalidInputException(path, $"no '{options.UrlColumn}' column; columns: {string.Join(", ", fields.Select(f => f.Name))}");
            }

            long rowNumber = 0;
            // A URL list spends at least a byte per row on its URLs; a footer that claims far more rows than the file
            // has bytes is malformed, and decoding it would spin through millions of empty values.
            long plausibleRows = Math.Min(options.MaxRows, stream.Length + 1024);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                where = $"row group {g}";
                using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);

                // The count comes from the file: checked before an array of that length is made.
                if (group.RowCount < 0 || group.RowCount > options.MaxRows - rowNumber)
                {
                    throw new InvalidInputException($"{path}: {where}", $"claims {group.RowCount} rows; a list holds at most {options.MaxRows} (UrlListOptions.MaxRows)");
                }

                if (group.RowCount > plausibleRows - rowNumber)
                {
                    throw new InvalidInputException($"{path}: {where}",
                        $"claims {rowNumber + group.RowCount} rows in a file of {stream.Length} bytes; a URL list needs about a byte per row at least");
                }

                where = $"row group {g} (rows {rowNumber}..{rowNumber + group.RowCount - 1})";
                var columns = new Dictionary<string, string?[]>(StringComparer.OrdinalIgnoreCase);
                foreach ((string name, DataField field) in chosen)
                {
                    columns[name] = await ReadStringsAsync(group, field, $"{path}: {where}", cancellationToken).ConfigureAwait(false);
                }

                for (int r = 0; r < group.RowCount; r++)
                {
                    int row = r;
                    rows.Add(new Row(name => columns.TryGetValue(name, out string?[]? values) ? values[row] : null,
                        columns.ContainsKey, $"row {rowNumber++}"));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not InvalidInputException)
        {
            // Parquet.Net reports a malformed file with many types (Thrift, IO, index, out-of-memory on a lying size).
            throw new InvalidInputException($"{path}: {where}", $"not a readable parquet file ({ex.GetType().Name}: {OneLine(ex.Message)})", ex);
        }

        return rows;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static async Task<string?[]> ReadStringsAsync(ParquetRowGroupReader group, DataField field, string input, CancellationToken cancellationToken)
    {
        if (field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>))
        {
            throw new InvalidInputException(input, $"column '{field.Name}' holds {field.ClrType.Name}, not strings");
        }

        var values = new string?[group.RowCount];
        await group.ReadAsync(field, values.AsMemory()!, null, cancellationToken).ConfigureAwait(false);
        return values;
    }

    /// <summary>One record of a list: its fields by column name.</summary>
    private sealed class Row(Func<string, string?> get, Func<string, bool> has, string where)
    {
        public string Where { get; } = where;

        public bool IsHeaderless { get; private init; }

        public string? Single { get; private init; }

        public static Row Headerless(string value, string where) =>
            new(_ => null, _ => false, where) { IsHeaderless = true, Single = value };

        public bool Has(string name) => has(name);

        public string? Get(string name) => get(name);
    }
}
