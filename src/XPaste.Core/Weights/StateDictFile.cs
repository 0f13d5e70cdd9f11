using System.Collections;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace XPaste.Weights;

/// <summary>
/// Reads checkpoint files into name -> tensor dictionaries: <c>.safetensors</c> (read here, with every offset
/// and size checked against the file) and PyTorch <c>torch.save</c> state dicts (<c>.pth</c>, <c>.pt</c>,
/// <c>.bin</c>, through TorchSharp.PyBridge). Tensors are on the CPU and owned by the caller.
/// </summary>
public static class StateDictFile
{
    /// <summary>Loads every tensor of a checkpoint, choosing the reader by the file's content.</summary>
    /// <param name="path">A <c>.safetensors</c> file or a <c>torch.save</c> zip archive.</param>
    /// <returns>The tensors by name, on the CPU.</returns>
    /// <exception cref="InvalidWeightsException">The file is missing, truncated, or not a supported checkpoint.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidWeightsException(path, "file not found");
        }

        Span<byte> magic = stackalloc byte[4];
        using (var probe = File.OpenRead(path))
        {
            if (probe.Length == 0)
            {
                throw new InvalidWeightsException(path, "the file is empty");
            }

            magic = magic[..probe.Read(magic)];
        }

        // torch.save has written zip archives ("PK\x03\x04") since PyTorch 1.6.
        bool isZip = magic.Length == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
        return isZip ? LoadPyTorch(path) : LoadSafetensors(path);
    }

    /// <summary>Reads a <c>.safetensors</c> file, validating the header, dtypes, shapes and data offsets.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors by name, on the CPU.</returns>
    /// <exception cref="InvalidWeightsException">The file is truncated or its header is inconsistent.</exception>
    public static Dictionary<string, Tensor> LoadSafetensors(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new InvalidWeightsException(path, $"too short for a safetensors file ({fileLength} bytes)");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength == 0 || headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
        {
            throw new InvalidWeightsException(path,
                $"safetensors header length {headerLength} does not fit the file ({fileLength} bytes): truncated or not a safetensors file");
        }

        byte[] headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        try
        {
            using JsonDocument header = JsonDocument.Parse(headerBytes);
            foreach (JsonProperty property in header.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                JsonElement e = property.Value;
                string dtypeName = e.GetProperty("dtype").GetString() ?? "";
                ScalarType type = ParseDtype(dtypeName)
                    ?? throw new InvalidWeightsException(path, $"tensor '{property.Name}' has unsupported dtype '{dtypeName}'");
                long[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                JsonElement offsets = e.GetProperty("data_offsets");
                long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                if (entries.Exists(x => x.Name == property.Name))
                {
                    throw new InvalidWeightsException(path, $"tensor '{property.Name}' appears twice in the safetensors header");
                }

                entries.Add((property.Name, type, shape, begin, end));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new InvalidWeightsException(path, $"malformed safetensors header: {ex.Message}", ex);
        }

        CheckLayout(path, entries, dataLength);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, type, shape, begin, end) in entries)
            {
                Tensor tensor = empty(shape, type);
                result.Add(name, tensor);
                if (end == begin)
                {
                    continue;
                }

                stream.Seek(dataStart + begin, SeekOrigin.Begin);
                ReadInto(stream, tensor, end - begin);
            }
        }
        catch
        {
            foreach (Tensor t in result.Values)
            {
                t.Dispose();
            }

            throw;
        }

        return result;
    }

    /// <summary>
    /// Checks every tensor's shape, dtype size and offsets before anything is allocated: each needs exactly its bytes,
    /// and together they cover the data section from its first byte to its last, in order, without gaps, overlaps or
    /// two tensors sharing bytes (as the safetensors format requires). Sorts <paramref name="entries"/> by offset.
    /// </summary>
    private static void CheckLayout(string path, List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)> entries, long dataLength)
    {
        foreach (var (name, type, shape, begin, end) in entries)
        {
            long elements = 1;
            foreach (long d in shape)
            {
                if (d < 0)
                {
                    throw new InvalidWeightsException(path, $"tensor '{name}' has a negative dimension in its shape [{string.Join(",", shape)}]");
                }

                // Anything larger than the file cannot be right; this also keeps the product from overflowing.
                elements = d == 0 || elements == 0 ? 0 : elements > dataLength / d ? long.MaxValue : elements * d;
            }

            long expectedBytes = elements == long.MaxValue ? long.MaxValue : elements * ElementSize(type);
            if (begin < 0 || end < begin)
            {
                throw new InvalidWeightsException(path, $"tensor '{name}' has invalid data_offsets [{begin},{end})");
            }

            if (end - begin != expectedBytes)
            {
                string needs = expectedBytes == long.MaxValue ? "more bytes than the file has" : $"{expectedBytes} bytes";
                throw new InvalidWeightsException(path,
                    $"tensor '{name}' [{string.Join(",", shape)}] {type} needs {needs} but its offsets [{begin},{end}) give {end - begin}");
            }

            if (end > dataLength)
            {
                throw new InvalidWeightsException(path,
                    $"tensor '{name}' ends at byte {end} of the data section, which has only {dataLength} bytes: the file is truncated");
            }
        }

        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        string? previous = null;
        foreach (var (name, _, _, begin, end) in entries)
        {
            if (begin < covered)
            {
                throw new InvalidWeightsException(path, $"tensors '{previous}' and '{name}' overlap (both use the bytes from {begin} of the data section)");
            }

            if (begin > covered)
            {
                throw new InvalidWeightsException(path,
                    previous is null
                        ? $"the data section starts with {begin} bytes that no tensor uses (tensor '{name}' starts at {begin})"
                        : $"{begin - covered} bytes between tensors '{previous}' and '{name}' belong to no tensor");
            }

            covered = end;
            previous = name;
        }

        if (covered != dataLength)
        {
            throw new InvalidWeightsException(path,
                $"the data section has {dataLength - covered} bytes after the last tensor{(previous is null ? "" : $" '{previous}'")} that no tensor uses");
        }
    }

    /// <summary>Reads a <c>torch.save</c> state dict (zip archive) through TorchSharp.PyBridge.</summary>
    /// <param name="path">The <c>.pth</c>, <c>.pt</c> or <c>.bin</c> file.</param>
    /// <returns>The tensors by name, on the CPU.</returns>
    /// <exception cref="InvalidWeightsException">The archive is truncated or holds something other than a state dict of tensors.</exception>
    public static Dictionary<string, Tensor> LoadPyTorch(string path)
    {
        Hashtable table;
        try
        {
            table = TorchSaveArchive.Unpickle(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException or InvalidOperationException
                                       or NotImplementedException or InvalidCastException
                                       or ArgumentException or KeyNotFoundException or IndexOutOfRangeException or NullReferenceException
                                       or System.Runtime.Serialization.SerializationException or Razorvine.Pickle.PickleException)
        {
            throw new InvalidWeightsException(path, $"not a readable torch.save state dict (truncated or corrupt?): {ex.Message}", ex);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
            {
                result[name] = tensor;
            }
            else
            {
                throw new InvalidWeightsException(path, $"entry '{entry.Key}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor: save model.state_dict(), not the model");
            }
        }

        return result;
    }

    /// <summary>Writes tensors as a <c>.safetensors</c> file (atomically), for tests and caches.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="tensors">The tensors by name; any device, saved from the CPU.</param>
    public static void SaveSafetensors(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new SortedDictionary<string, object>(StringComparer.Ordinal);
        long offset = 0;
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, tensor) in ordered)
        {
            long bytes = tensor.NumberOfElements * ElementSize(tensor.dtype);
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DtypeName(tensor.dtype),
                ["shape"] = tensor.shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }

        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int pad = (8 - (json.Length % 8)) % 8;
        IO.AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)(json.Length + pad)));
            stream.Write(json);
            for (int i = 0; i < pad; i++)
            {
                stream.WriteByte((byte)' ');
            }

            foreach (var (_, tensor) in ordered)
            {
                using Tensor cpu = tensor.detach().to(CPU).contiguous();
                stream.Write(cpu.bytes);
            }
        });
    }

    private static void ReadInto(Stream stream, Tensor tensor, long count)
    {
        if (count > int.MaxValue)
        {
            // Tensor.bytes is a Span; split giant tensors along their first dimension.
            long rows = tensor.shape[0];
            long rowBytes = count / rows;
            for (long r = 0; r < rows; r++)
            {
                using Tensor row = tensor[r];
                ReadInto(stream, row, rowBytes);
            }

            return;
        }

        try
        {
            stream.ReadExactly(tensor.bytes);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidWeightsException(stream is FileStream fs ? fs.Name : "stream", "the file is truncated", ex);
        }
    }

    private static ScalarType? ParseDtype(string name) => name switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => null,
    };

    private static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no dtype for {type}"),
    };

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"unsupported dtype {type}"),
    };
}
