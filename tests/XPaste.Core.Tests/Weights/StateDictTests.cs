using TorchSharp.PyBridge;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Weights;

public sealed class StateDictTests
{
    private sealed class Tiny : nn.Module
    {
        public Tiny(int hidden) : base(nameof(Tiny))
        {
            fc = nn.Linear(4, hidden);
            norm = nn.BatchNorm1d(hidden);
            RegisterComponents();
        }

#pragma warning disable IDE1006, SA1300 // field names are checkpoint keys
        private readonly TorchSharp.Modules.Linear fc;
        private readonly TorchSharp.Modules.BatchNorm1d norm;
#pragma warning restore IDE1006, SA1300
    }

    private static Dictionary<string, Tensor> Randomised(nn.Module module, int seed)
    {
        manual_seed(seed);
        return module.state_dict().ToDictionary(kv => kv.Key, kv => is_floating_point(kv.Value) ? rand_like(kv.Value) : kv.Value.clone());
    }

    [Fact]
    public void Safetensors_round_trip_loads_every_tensor_exactly()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = new Tiny(3);
        var weights = Randomised(source, 1);
        weights["extra_f16"] = arange(6, ScalarType.Float16).reshape(2, 3);
        weights["extra_i64"] = arange(5, ScalarType.Int64);
        string path = folder.File("tiny.safetensors");
        StateDictFile.SaveSafetensors(path, weights);

        Dictionary<string, Tensor> read = StateDictFile.Load(path);
        Assert.Equal(weights.Keys.Order(), read.Keys.Order());
        foreach (var (name, tensor) in weights)
        {
            Assert.Equal(tensor.dtype, read[name].dtype);
            TensorAssert.Equal(tensor, read[name]);
        }

        using var target = new Tiny(3);
        var report = StateDictLoader.Load(target, read, path, new StateDictLoadOptions { Ignore = n => n.StartsWith("extra_", StringComparison.Ordinal) });
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(target.state_dict().Count, report.Loaded.Count);
        TensorAssert.Equal(weights["fc.weight"], target.state_dict()["fc.weight"]);
        TensorAssert.Equal(weights["norm.running_var"], target.state_dict()["norm.running_var"]);
    }

    [Fact]
    public void Torch_save_archives_load_through_pybridge()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = new Tiny(5);
        var weights = Randomised(source, 2);
        string path = folder.File("tiny.pth");
        PyTorchPickler.PickleStateDict(path, weights);

        using var target = new Tiny(5);
        WeightLoadReport report = StateDictLoader.Load(target, path);
        Assert.True(report.IsExact, report.ToString());
        TensorAssert.Equal(weights["fc.bias"], target.state_dict()["fc.bias"]);
    }

    [Fact]
    public void Strict_load_reports_missing_unexpected_and_misshaped_tensors_together()
    {
        using var scope = NewDisposeScope();
        using var source = new Tiny(3);
        var weights = Randomised(source, 3);
        weights.Remove("norm.bias");
        weights["head.weight"] = zeros(2, 2);
        weights["fc.weight"] = zeros(7, 4);
        using var target = new Tiny(3);
        Tensor before = target.state_dict()["fc.weight"].clone();

        var ex = Assert.Throws<WeightsMismatchException>(() => StateDictLoader.Load(target, weights, "model.safetensors"));
        Assert.StartsWith("model.safetensors: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing from the checkpoint: norm.bias", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected in the checkpoint: head.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("fc.weight (module [3,4], checkpoint [7,4])", ex.Message, StringComparison.Ordinal);
        TensorAssert.Equal(before, target.state_dict()["fc.weight"]); // nothing copied on failure

        WeightLoadReport lenient = StateDictLoader.Load(target, weights, "model.safetensors", new StateDictLoadOptions { Strict = false });
        Assert.False(lenient.IsExact);
        Assert.Equal(["norm.bias"], lenient.Missing);
        Assert.Equal(["head.weight"], lenient.Unexpected);
        Assert.Equal("fc.weight", Assert.Single(lenient.Mismatched).Name);
        TensorAssert.Equal(weights["fc.bias"], target.state_dict()["fc.bias"]);
    }

    [Fact]
    public void Truncated_safetensors_is_rejected_naming_the_file()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        string whole = folder.File("whole.safetensors");
        StateDictFile.SaveSafetensors(whole, new Dictionary<string, Tensor> { ["a"] = ones(64, 64), ["b"] = ones(10) });
        byte[] bytes = File.ReadAllBytes(whole);
        string cut = folder.File("cut.safetensors");
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length - 100).ToArray());

        var ex = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(cut));
        Assert.StartsWith(cut + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);

        string headerOnly = folder.File("header.safetensors");
        File.WriteAllBytes(headerOnly, bytes.AsSpan(0, 20).ToArray());
        var headerEx = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(headerOnly));
        Assert.Contains(headerOnly, headerEx.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", headerEx.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconsistent_safetensors_header_is_rejected()
    {
        using var folder = new TempFolder();
        string path = folder.File("bad.safetensors");
        byte[] header = System.Text.Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[16]]);
        var ex = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("needs 16 bytes", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A safetensors file with the given header entries (JSON text) and data section length.</summary>
    internal static string WriteSafetensors(TempFolder folder, string name, string headerEntries, int dataBytes)
    {
        string path = folder.File(name);
        byte[] header = System.Text.Encoding.UTF8.GetBytes("{" + headerEntries + "}");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[dataBytes]]);
        return path;
    }

    public static TheoryData<string, int, string> BadLayouts() => new()
    {
        // Two tensors aliasing the same bytes.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "tensors 'a' and 'b' overlap" },
        // Partly overlapping.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}", 12, "tensors 'a' and 'b' overlap" },
        // A hole between two tensors.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}", 12, "4 bytes between tensors 'a' and 'b' belong to no tensor" },
        // Not starting at the data section's first byte.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}", 8, "starts with 4 bytes that no tensor uses (tensor 'a' starts at 4)" },
        // Trailing bytes.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 12, "8 bytes after the last tensor 'a' that no tensor uses" },
        // Negative dimension, with a size that would otherwise fit.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[-1,-4],\"data_offsets\":[0,16]}", 16, "tensor 'a' has a negative dimension in its shape [-1,-4]" },
        // A shape whose element count overflows.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}", 16, "tensor 'a' [4294967296,4294967296,16] Float32 needs more bytes than the file has" },
        // The same name twice.
        { "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}", 8, "tensor 'a' appears twice" },
    };

    [Theory]
    [MemberData(nameof(BadLayouts))]
    public void Safetensors_tensors_must_cover_the_data_section_exactly_once(string entries, int dataBytes, string problem)
    {
        using var folder = new TempFolder();
        string path = WriteSafetensors(folder, "layout.safetensors", entries, dataBytes);

        var ex = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(path));

        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_sized_tensors_may_share_an_offset()
    {
        using var folder = new TempFolder();
        string path = WriteSafetensors(folder, "empty-tensors.safetensors",
            "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}", 2);

        Dictionary<string, Tensor> tensors = StateDictFile.Load(path);
        try
        {
            Assert.Equal(new[] { "a", "b", "c" }, tensors.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(new long[] { 0, 3 }, tensors["b"].shape);
        }
        finally
        {
            foreach (Tensor t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    [Fact]
    public void Truncated_torch_save_archive_is_rejected_naming_the_file()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = new Tiny(8);
        string whole = folder.File("whole.pth");
        PyTorchPickler.PickleStateDict(whole, Randomised(source, 4));
        byte[] bytes = File.ReadAllBytes(whole);
        string cut = folder.File("cut.pth");
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var ex = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(cut));
        Assert.StartsWith(cut + ": ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_empty_files_are_rejected_naming_them()
    {
        using var folder = new TempFolder();
        string missing = folder.File("nope.safetensors");
        Assert.Contains(missing, Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(missing)).Message, StringComparison.Ordinal);
        string empty = folder.File("empty.pth");
        File.WriteAllBytes(empty, []);
        var ex = Assert.Throws<InvalidWeightsException>(() => StateDictFile.Load(empty));
        Assert.Contains(empty, ex.Message, StringComparison.Ordinal);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }
}
