using System.Runtime.InteropServices;

namespace XPaste.Runtime;

/// <summary>
/// Makes libtorch's OpenMP threads sleep instead of spin while they wait. libgomp's default lets a waiting thread
/// spin for a while at every barrier; libtorch runs each operation as its own parallel region, so on a machine whose
/// cores are shared (more runnable threads than cores) a thread spins while the one it waits for is descheduled.
/// Measured on the 2-core development VM at load average ~30: U^2-Net small at 2 threads took 4.3x the wall time
/// and 3.7x the CPU time with spinning (docs/performance.md). libgomp reads the setting once, when libtorch is
/// loaded, so it is set (in the process environment, through libc) before TorchSharp's first use, and only when
/// the user has set neither <c>OMP_WAIT_POLICY</c> nor <c>GOMP_SPINCOUNT</c>: <c>OMP_WAIT_POLICY=ACTIVE</c> keeps
/// spinning.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    /// <summary>True when this process set <c>OMP_WAIT_POLICY=PASSIVE</c> before libtorch loaded.</summary>
    public static bool SetPassive { get; private set; }

    /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> unless the user chose a policy; call before TorchSharp loads.</summary>
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
            SetPassive = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            SetPassive = false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
