using System.Collections.Concurrent;
using System.Text.Json;
using XPaste.Generation;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Generation;

/// <summary>
/// One folder of the sd_fewstep_tiny fixture (<c>lcm</c>, <c>turbo</c>, <c>taesd</c>): expected.json, the tensors of
/// expected.safetensors and the loaded models, each loaded once per test run and shared (do not dispose).
/// </summary>
internal sealed class FewstepData
{
    private static readonly ConcurrentDictionary<string, FewstepData> Loaded = new(StringComparer.Ordinal);
    private readonly Lazy<Dictionary<string, Tensor>> _tensors;
    private readonly Lazy<StableDiffusionModels> _models;

    private FewstepData(string name)
    {
        Folder = TestFiles.Data("generation", "sd_fewstep_tiny", name);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Folder, "expected.json")));
        Expected = doc.RootElement.Clone();
        // Loaded on a fresh thread: dispose scopes are thread-static, and a test's open scope must not capture them.
        _tensors = new(() => OffScope(() =>
        {
            Dictionary<string, Tensor> t = StateDictFile.Load(System.IO.Path.Combine(Folder, "expected.safetensors"));
            foreach (Tensor v in t.Values)
            {
                v.DetachFromDisposeScope();
            }

            return t;
        }));
        _models = new(() => OffScope(() => StableDiffusionModels.FromPretrained(Folder)));
    }

    public static FewstepData Lcm => Get("lcm");

    public static FewstepData Turbo => Get("turbo");

    public static FewstepData Taesd => Get("taesd");

    public static string ShapesPath => TestFiles.Data("generation", "sd_fewstep_tiny", "fewstep_checkpoint_shapes.json");

    public string Folder { get; }

    public JsonElement Expected { get; }

    /// <summary>The folder's models (shared by the tests: no test changes them).</summary>
    public StableDiffusionModels Models => _models.Value;

    public string Path(params string[] parts) => System.IO.Path.Combine([Folder, .. parts]);

    /// <summary>The stored tensor <paramref name="name"/> (shared: do not dispose).</summary>
    public Tensor Tensor(string name) => _tensors.Value[name];

    public double Tolerance(string name) => Expected.GetProperty("tolerance").GetProperty(name).GetProperty("max_abs").GetDouble();

    /// <summary>Asserts <paramref name="actual"/> is within the expected.json tolerance of the stored <paramref name="name"/>.</summary>
    public void Close(string name, Tensor actual) => TensorAssert.Close(Tensor(name), actual, Tolerance(name));

    /// <summary>uint8 pixels [B,3,H,W] against the stored [B,H,W,3] ones: off by at most 1 in at most 0.5% of the values.</summary>
    public void Uint8Close(string name, Tensor pixels)
    {
        JsonElement tolerance = Expected.GetProperty("tolerance").GetProperty(name);
        Assert.Equal(1, tolerance.GetProperty("max_abs").GetInt32());
        Assert.Equal(0.005, tolerance.GetProperty("max_fraction_differing").GetDouble());
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Byte, pixels.dtype);
        Tensor expected = Tensor(name).permute(0, 3, 1, 2);
        Tensor diff = (expected - pixels.to(ScalarType.Float32)).abs();
        Assert.True(diff.max().item<float>() <= 1, "a pixel is off by more than 1");
        Assert.True(diff.gt(0).sum().item<long>() <= 0.005 * diff.numel(), "more than 0.5% of the values differ");
    }

    private static T OffScope<T>(Func<T> load)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = load();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result! : throw new InvalidOperationException("loading the fixture failed", error);
    }

    private static FewstepData Get(string name) => Loaded.GetOrAdd(name, n => new FewstepData(n));
}

/// <summary>Step noise replayed from a stored tensor [draws, B, ...], counting the draws.</summary>
internal sealed class StoredStepNoise(Tensor draws) : XPaste.Generation.Schedulers.IStepNoise
{
    public int Draws { get; private set; }

    public Tensor Draw(long[] shape, ScalarType dtype, Device device)
    {
        Assert.Equal(draws.shape[1..], shape);
        return draws[Draws++].to(dtype).to(device);
    }
}
