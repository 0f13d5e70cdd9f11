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
                entries.Add((property.Name, type, shape, begin, end));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new InvalidWeightsException(path, $"malformed safetensors header: {ex.Message}", ex);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, type, shape, begin, end) in entries.OrderBy(e => e.Begin))
            {
                long elements = shape.Aggregate(1L, (a, b) => a * b);
                long expectedBytes = elements * ElementSize(type);
                if (begin < 0 || end < begin || end - begin != expectedBytes)
                {
                    throw new InvalidWeightsException(path,
                        $"tensor '{name}' [{string.Join(",", shape)}] {type} needs {expectedBytes} bytes but its offsets [{begin},{end}) give {end - begin}");
                }

                if (end > dataLength)
                {
                    throw new InvalidWeightsException(path,
                        $"tensor '{name}' ends at byte {end} of the data section, which has only {dataLength} bytes: the file is truncated");
                }

                Tensor tensor = empty(shape, type);
                result.Add(name, tensor);
                if (expectedBytes == 0)
                {
                    continue;
                }

                stream.Seek(dataStart + begin, SeekOrigin.Begin);
                ReadInto(stream, tensor, expectedBytes);
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

    /// <summary>Reads a <c>torch.save</c> state dict (zip archive) through TorchSharp.PyBridge.</summary>
    /// <param name="path">The <c>.pth</c>, <c>.pt</c> or <c>.bin</c> file.</param>
    /// <returns>The tensors by name, on the CPU.</returns>
    /// <exception cref="InvalidWeightsException">The archive is truncated or holds something other than a state dict of tensors.</exception>
    public static Dictionary<string, Tensor> LoadPyTorch(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException or InvalidOperationException
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
