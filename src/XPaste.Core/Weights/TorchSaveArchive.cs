using System.Collections;
using System.IO.Compression;
using System.Reflection;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace XPaste.Weights;

/// <summary>
/// Reads a <c>torch.save</c> zip archive through TorchSharp.PyBridge's safe unpickler, after checking every
/// tensor's shape, stride and offset against the bytes its storage holds in the archive. PyBridge allocates each
/// tensor from the shape the pickle claims before reading its storage, so a file that claims more elements than it
/// stores would otherwise allocate that much (tens of GiB) before failing.
/// </summary>
internal static class TorchSaveArchive
{
    /// <summary>Deflate cannot shrink data by more than about 1032:1; an entry claiming more is lying.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Unpickles the archive's state dict after the size check (exceptions from either pass through).</summary>
    public static Hashtable Unpickle(string path)
    {
        CheckSizes(path);
        return PyTorchUnpickler.UnpickleStateDict(path);
    }

    /// <summary>
    /// Reads only the pickle (PyBridge's <c>skipTensorRead</c>) and checks that each tensor fits its storage.
    /// </summary>
    /// <exception cref="InvalidWeightsException">A tensor needs more bytes than its storage entry holds.</exception>
    public static void CheckSizes(string path)
    {
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        var found = new List<(string Name, object Args)>();
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: true);
        try
        {
            Collect("", table, found, depth: 0);
            stream.Seek(0, SeekOrigin.Begin);
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach ((string name, object args) in found)
            {
                Check(path, fileLength, archive, name, args);
            }
        }
        finally
        {
            foreach ((_, object args) in found)
            {
                (Property(args, "Data") as Stream)?.Dispose();
            }
        }
    }

    private static void Check(string path, long fileLength, ZipArchive archive, string name, object args)
    {
        var dtype = (ScalarType)Property(args, "DType")!;
        long[] shape = (long[])Property(args, "Shape")!;
        long[] stride = (long[])Property(args, "Stride")!;
        long offset = (int)Property(args, "StorageOffset")!;
        int index = (int)Property(args, "ArchiveIndex")!;
        ZipArchiveEntry entry = archive.Entries[index];
        string tensor = $"tensor '{name}'";
        if (entry.CompressedLength > fileLength || entry.Length > Math.Max(entry.CompressedLength, 1) * MaxDeflateRatio)
        {
            throw new InvalidWeightsException(path, $"{tensor}: storage entry '{entry.FullName}' claims {entry.Length} bytes that the file cannot hold");
        }

        if (shape.Length != stride.Length || offset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0))
        {
            throw new InvalidWeightsException(path, $"{tensor}: shape [{string.Join(",", shape)}], stride [{string.Join(",", stride)}] and offset {offset} do not describe a tensor");
        }

        long size = ElementSize(dtype);
        long available = entry.Length / size;

        // The elements PyBridge allocates (the shape), and the last storage element the strided view reaches.
        long elements = 1, last = offset;
        try
        {
            for (int i = 0; i < shape.Length; i++)
            {
                elements = checked(elements * shape[i]);
                if (shape[i] > 0)
                {
                    last = checked(last + ((shape[i] - 1) * stride[i]));
                }
            }

            _ = checked(elements * size);
        }
        catch (OverflowException)
        {
            throw new InvalidWeightsException(path, $"{tensor}: shape [{string.Join(",", shape)}] has more elements than any file can hold");
        }

        if (elements > 0 && (elements > available || last >= available || offset + elements > available))
        {
            throw new InvalidWeightsException(path,
                $"{tensor}: shape [{string.Join(",", shape)}] ({dtype}, offset {offset}) needs {checked((offset + elements) * size)} bytes but its storage '{entry.FullName}' holds {entry.Length}");
        }
    }

    /// <summary>Finds the tensor descriptors in the unpickled tree (a state dict, or one nested in a checkpoint).</summary>
    private static void Collect(string prefix, object? value, List<(string, object)> found, int depth)
    {
        if (depth > 16 || value is null)
        {
            return;
        }

        switch (value)
        {
            case Hashtable table:
                foreach (DictionaryEntry entry in table)
                {
                    Collect(prefix.Length == 0 ? $"{entry.Key}" : $"{prefix}.{entry.Key}", entry.Value, found, depth + 1);
                }

                break;
            case string:
                break;
            case IList list:
                for (int i = 0; i < list.Count; i++)
                {
                    Collect($"{prefix}[{i}]", list[i], found, depth + 1);
                }

                break;
            default:
                if (value.GetType().Name == "TensorConstructorArgs")
                {
                    found.Add((prefix, value));
                }

                break;
        }
    }

    // PyBridge's descriptor type is internal; its property names are part of the 1.4 line (pinned centrally).
    private static object? Property(object args, string name) =>
        args.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(args)
        ?? throw new InvalidOperationException($"TorchSharp.PyBridge's tensor descriptor has no {name}: update TorchSaveArchive for this PyBridge version");

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
