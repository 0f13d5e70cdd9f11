using System.Runtime.InteropServices;

namespace XPaste.Runtime;

/// <summary>
/// Bounds how long libtorch's OpenMP threads spin while they wait. libgomp's default lets a waiting thread spin for
/// a while (300,000 iterations) at every barrier; libtorch runs each operation as its own parallel region, so on a
/// machine whose cores are shared (more runnable threads than cores) a thread spins while the one it waits for is
/// descheduled. Measured on the 2-core development VM at load average ~30: U^2-Net small at 2 threads took 4.3x the
/// wall time and 3.7x the CPU time with the default spinning. Never spinning (<c>OMP_WAIT_POLICY=PASSIVE</c>) fixes
/// that but costs a futex wake between operations: on the quiet machine U^2-Net small and CLIP ViT-B/32 at 2 threads
/// took 5-12% more wall time than with a short spin of 3,000 iterations (<c>GOMP_SPINCOUNT=3000</c>, tens of
/// microseconds), which was level with passive waiting under a 2-process busy load and better than 30,000
/// (docs/performance.md). libgomp reads the setting once, when libtorch is loaded, so it is set (in the process
/// environment, through libc) before TorchSharp's first use, and only when the user has set neither
/// <c>OMP_WAIT_POLICY</c> nor <c>GOMP_SPINCOUNT</c>.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    /// <summary>The spin count set when the user chose none.</summary>
    public const string SpinCount = "3000";

    /// <summary>True when this process set <c>GOMP_SPINCOUNT</c> before libtorch loaded.</summary>
    public static bool SetShortSpin { get; private set; }

    /// <summary>Sets <c>GOMP_SPINCOUNT</c> to <see cref="SpinCount"/> unless the user chose a policy; call before TorchSharp loads.</summary>
    public static void ConfigureBeforeLoad()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null
            || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null)
        {
            return;
        }

        try
        {
            // .NET's SetEnvironmentVariable does not reach the native environment on Unix; libgomp reads that one.
            SetShortSpin = SetEnv("GOMP_SPINCOUNT", SpinCount, 0) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            SetShortSpin = false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
