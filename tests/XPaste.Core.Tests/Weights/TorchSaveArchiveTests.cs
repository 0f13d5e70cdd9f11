using System.Collections;
using System.IO.Compression;
using TorchSharp.PyBridge;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Weights;

/// <summary>
/// <c>torch.save</c> archives whose pickle claims more than the archive stores are refused by name before
/// PyBridge allocates the claimed tensor.
/// </summary>
public sealed class TorchSaveArchiveTests
{
    [Fact]
    public void A_tensor_claiming_gigabytes_over_a_small_storage_is_refused_by_name()
    {
        using var folder = new TempFolder();
        string path = folder.File("liar.pth");
        Save(path, ("w", zeros(7, 13)), ("b", ones(3)));

        // (7, 13) becomes (65536, 65536): 16 GiB of float32 over a 364-byte storage.
        Rewrite(path, "archive/data.pkl", pickle => Replace(pickle, [(byte)'K', 7, (byte)'K', 13], [(byte)'J', 0, 0, 1, 0, (byte)'J', 0, 0, 1, 0]));

        var error = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(path));
        Assert.Equal(path, error.Input);
        Assert.Contains("tensor 'w': shape [65536,65536]", error.Problem, StringComparison.Ordinal);
        Assert.Contains("holds 364", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_storage_shorter_than_its_tensor_is_refused_in_a_single_file_checkpoint_too()
    {
        using var folder = new TempFolder();
        string path = folder.File("short.ckpt");
        Save(path, ("model.diffusion_model.conv_in.weight", zeros(10, 100)));
        Rewrite(path, "archive/data/0", _ => new byte[8]);

        var error = Assert.Throws<InvalidWeightsException>(() => StableDiffusionModels.FromPretrained(path));
        Assert.Equal(path, error.Input);
        Assert.Contains("tensor 'model.diffusion_model.conv_in.weight': shape [10,100]", error.Problem, StringComparison.Ordinal);
        Assert.Contains("holds 8", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_honest_archive_still_loads()
    {
        using var folder = new TempFolder();
        string path = folder.File("ok.pth");
        Save(path, ("w", arange(91, dtype: ScalarType.Float32).reshape(7, 13)));

        Dictionary<string, Tensor> loaded = StateDictFile.Load(path);

        TensorAssert.Equal(arange(91, dtype: ScalarType.Float32).reshape(7, 13), loaded["w"]);
    }

    private static void Save(string path, params (string Name, Tensor Value)[] tensors)
    {
        var table = new Hashtable();
        foreach ((string name, Tensor value) in tensors)
        {
            table[name] = value;
        }

        using var stream = File.Create(path);
        PyTorchPickler.PickleStateDict(stream, table);
    }

    /// <summary>Replaces one entry of the archive (the entry named by its suffix after the archive's folder).</summary>
    private static void Rewrite(string path, string suffix, Func<byte[], byte[]> change)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Update);
        string tail = suffix[(suffix.IndexOf('/', StringComparison.Ordinal) + 1)..];
        ZipArchiveEntry entry = archive.Entries.Single(e => e.FullName.EndsWith("/" + tail, StringComparison.Ordinal));
        byte[] bytes;
        using (var read = entry.Open())
        using (var copy = new MemoryStream())
        {
            read.CopyTo(copy);
            bytes = copy.ToArray();
        }

        string name = entry.FullName;
        entry.Delete();
        using var write = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
        write.Write(change(bytes));
    }

    private static byte[] Replace(byte[] source, byte[] find, byte[] with)
    {
        int at = source.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the pickle does not hold the shape this test rewrites");
        return [.. source[..at], .. with, .. source[(at + find.Length)..]];
    }
}
