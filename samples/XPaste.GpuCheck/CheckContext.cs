using TorchSharp;
using System.Diagnostics;
using static TorchSharp.torch;

namespace XPaste.GpuCheck;

/// <summary>What every check gets: the device under test, the CPU for references, the repository's fixtures, the clock.</summary>
internal sealed class CheckContext
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public CheckContext(Device device, string repositoryRoot, TimeSpan budget, bool quick)
    {
        Device = device;
        RepositoryRoot = repositoryRoot;
        Budget = budget;
        Quick = quick;
    }

    /// <summary>The device under test (cuda, or cpu for a dry run).</summary>
    public Device Device { get; }

    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>The CPU, where references are computed.</summary>
    public Device Cpu { get; } = CPU;

    /// <summary>The repository checkout (the fixtures under tests/ are read from it).</summary>
    public string RepositoryRoot { get; }

    /// <summary>The whole run's time limit; checks skip what would not fit.</summary>
    public TimeSpan Budget { get; }

    /// <summary>Smaller workloads (for the CPU dry run on a slow machine).</summary>
    public bool Quick { get; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public TimeSpan Left => Budget - _clock.Elapsed;

    /// <summary>A file under tests/, e.g. <c>Fixture("XPaste.Core.Tests/TestData/u2netp/model.safetensors")</c>.</summary>
    public string Fixture(string relative) => Path.Combine(RepositoryRoot, "tests", relative);

    /// <summary>Waits for the device to finish queued work (for timing).</summary>
    public void Synchronize()
    {
        if (IsCuda)
        {
            cuda.synchronize();
        }
    }

    /// <summary>Largest absolute difference, computed on the CPU in fp32.</summary>
    public static double MaxAbsError(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return expected.cpu().to(ScalarType.Float32).sub(actual.cpu().to(ScalarType.Float32)).abs().max().item<float>();
    }

    /// <summary>Median wall time of <paramref name="runs"/> calls after one warm-up call, synchronising the device.</summary>
    public double MedianMilliseconds(int runs, Action action)
    {
        action();
        Synchronize();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            Synchronize();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }
}
