using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace XPaste.Runtime;

/// <summary>
/// Loads TorchSharp's native backend once and, where it cannot load, says why. TorchSharp's own message for any
/// load failure names a missing backend package ("doesn't contain a reference to libtorch-cpu-linux-x64"), even
/// when the package is there and the real cause is the system C++ library (e.g. <c>GLIBCXX_3.4.32 not found</c>
/// on Debian 12 / Ubuntu 22.04). XPaste's entry points call <see cref="EnsureLoaded"/> first.
/// </summary>
public static partial class TorchSharpRuntime
{
    private static readonly Lock Gate = new();
    private static bool loaded;

    /// <summary>
    /// Loads the CPU backend (idempotent, thread-safe). Throws <see cref="TorchSharpLoadException"/> naming the
    /// real cause when it cannot load: the libstdc++ version the native library needs and the one the system has,
    /// or that no backend package (TorchSharp-cpu, -cuda-linux, -cuda-windows) is referenced.
    /// </summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref loaded))
        {
            return;
        }

        lock (Gate)
        {
            if (loaded)
            {
                return;
            }

            // Before libtorch (and its libgomp) loads: idle OpenMP threads sleep instead of spinning.
            OpenMpWaitPolicy.ConfigureBeforeLoad();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception ex) when (ex is NotSupportedException or DllNotFoundException or TypeInitializationException)
            {
                throw new TorchSharpLoadException(Diagnose(AppContext.BaseDirectory), ex);
            }

            // Large activations reuse freed heap instead of fresh pages (see NativeAllocator; XPASTE_MALLOC_TUNING=0 opts out).
            NativeAllocator.Configure();
            Volatile.Write(ref loaded, true);
        }
    }

    /// <summary>
    /// One line naming the CPU settings in force: libtorch's intra- and inter-op thread counts, the OpenMP wait
    /// policy (XPaste sets <c>GOMP_SPINCOUNT=3000</c>, a short spin, before libtorch loads unless the user set a policy), and
    /// whether glibc's malloc keeps freed large blocks (on by default; the environment variable
    /// <c>XPASTE_MALLOC_TUNING=0</c> turns it off). For benchmark and diagnostic output.
    /// </summary>
    /// <returns>For example <c>threads 2, inter-op 2, GOMP_SPINCOUNT 3000 (set by XPaste), malloc keeps large blocks</c>.</returns>
    public static string DescribeSettings()
    {
        EnsureLoaded();
        string policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is string p ? $"OMP_WAIT_POLICY {p}"
            : Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is string n ? $"GOMP_SPINCOUNT {n}"
            : OpenMpWaitPolicy.SetShortSpin ? $"GOMP_SPINCOUNT {OpenMpWaitPolicy.SpinCount} (set by XPaste)" : "OpenMP default waits";
        return $"threads {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}, {policy}, "
            + (NativeAllocator.Tuned ? "malloc keeps large blocks" : "malloc defaults");
    }

    /// <summary>Explains why the native backend under <paramref name="appFolder"/> does not load.</summary>
    internal static string Diagnose(string appFolder)
    {
        string? native = FindNativeLibrary(appFolder);
        if (native is null)
        {
            return "TorchSharp's native backend (libLibTorchSharp) is not in the application folder: reference exactly one "
                + "backend package, TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows (0.107.0).";
        }

        string loaderError;
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(native));
            return $"TorchSharp could not initialise its backend although {native} loads; see the inner exception.";
        }
        catch (DllNotFoundException ex)
        {
            loaderError = ex.Message;
        }

        return Explain(native, loaderError, OperatingSystem.IsLinux() ? FindSystemLibstdcxx() : null);
    }

    /// <summary>Turns the loader's error into a sentence naming the libstdc++ version needed and the one found.</summary>
    internal static string Explain(string nativeLibrary, string loaderError, string? systemLibstdcxx)
    {
        Match needed = GlibcxxVersion().Match(loaderError);
        if (!needed.Success)
        {
            return $"{nativeLibrary} does not load: {loaderError.Trim()}";
        }

        var text = new StringBuilder();
        text.Append(nativeLibrary).Append(" needs ").Append(needed.Value).Append(" (libstdc++ from GCC 13 or later), but ");
        if (systemLibstdcxx is null)
        {
            text.Append("no system libstdc++.so.6 was found. ");
        }
        else
        {
            string? newest = NewestGlibcxx(File.ReadAllBytes(systemLibstdcxx));
            text.Append("the system libstdc++ (").Append(systemLibstdcxx).Append(") provides up to ")
                .Append(newest ?? "no GLIBCXX version").Append(". ");
        }

        text.Append("XPaste.Core's build targets fix this in the build output (one build line says so): build the application "
            + "with a package reference to XPaste.Core or XPaste.Augment and without -p:XPasteSkipGlibcxxFix=true, "
            + "or install a newer libstdc++.");
        return text.ToString();
    }

    /// <summary>The highest <c>GLIBCXX_3.4.N</c> named in a libstdc++ image, or null.</summary>
    internal static string? NewestGlibcxx(byte[] libstdcxx)
    {
        string text = Encoding.Latin1.GetString(libstdcxx);
        int best = -1;
        foreach (Match m in GlibcxxMinor().Matches(text))
        {
            best = Math.Max(best, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        return best < 0 ? null : $"GLIBCXX_3.4.{best}";
    }

    private static string? FindNativeLibrary(string appFolder)
    {
        string name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
            : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string direct = Path.Combine(appFolder, name);
        if (File.Exists(direct))
        {
            return direct;
        }

        string runtimes = Path.Combine(appFolder, "runtimes");
        return Directory.Exists(runtimes)
            ? Directory.EnumerateFiles(runtimes, name, SearchOption.AllDirectories).FirstOrDefault()
            : null;
    }

    private static string? FindSystemLibstdcxx()
    {
        string[] candidates =
        [
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"GLIBCXX_\d+\.\d+(\.\d+)?")]
    private static partial Regex GlibcxxVersion();

    [GeneratedRegex(@"GLIBCXX_3\.4\.(\d+)\0")]
    private static partial Regex GlibcxxMinor();
}
