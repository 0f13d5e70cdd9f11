using System.Runtime.InteropServices;

namespace XPaste.Runtime;

/// <summary>
/// Keeps glibc's malloc from handing large tensors back to the kernel. By default glibc serves every block above its
/// mmap threshold (at most 32 MiB) with a fresh <c>mmap</c> and unmaps it on free, so each large activation (a
/// 320x320x64 float map is 26 MiB, SD's are 128 MiB and more) comes back as new zeroed pages: the kernel's page
/// faults and zeroing were about 45% of U^2-Net's CPU time here. With mmap off and no trimming, freed blocks stay
/// in the heap and the next call reuses them, as ONNX Runtime's arena and PyTorch's own caching do. The cost: the
/// process keeps its peak heap after a model call (it is reused by the next one, not returned to the system).
/// On by default on Linux with glibc; <c>XPASTE_MALLOC_TUNING=0</c> in the environment leaves malloc as it is.
/// </summary>
internal static partial class NativeAllocator
{
    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;

    /// <summary>The environment switch: <c>0</c>, <c>false</c> or <c>off</c> leaves glibc's defaults.</summary>
    public const string Switch = "XPASTE_MALLOC_TUNING";

    /// <summary>True once <see cref="Configure"/> changed glibc's settings.</summary>
    public static bool Tuned { get; private set; }

    /// <summary>Applies the settings unless switched off or not on glibc; returns whether they are in force.</summary>
    public static bool Configure()
    {
        if (Tuned || !OperatingSystem.IsLinux() || IsOff(Environment.GetEnvironmentVariable(Switch)))
        {
            return Tuned;
        }

        try
        {
            // mallopt returns 1 on success; musl and other C libraries do not export it.
            Tuned = Mallopt(MMmapMax, 0) == 1 & Mallopt(MTrimThreshold, int.MaxValue) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Tuned = false;
        }

        return Tuned;
    }

    internal static bool IsOff(string? value) =>
        value is not null && (value.Trim() == "0" || value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase)
            || value.Trim().Equals("off", StringComparison.OrdinalIgnoreCase));

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
