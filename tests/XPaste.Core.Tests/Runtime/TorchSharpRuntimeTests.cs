using System.Text;
using XPaste.Runtime;

namespace XPaste.Tests.Runtime;

/// <summary>When TorchSharp cannot load, XPaste names the real cause instead of TorchSharp's "missing package" message.</summary>
public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void EnsureLoaded_succeeds_where_the_backend_loads()
    {
        TorchSharpRuntime.EnsureLoaded();
        TorchSharpRuntime.EnsureLoaded(); // idempotent
    }

    [Fact]
    public void A_glibcxx_loader_error_is_explained_with_the_needed_and_found_versions()
    {
        string lib = Path.Combine(Path.GetTempPath(), $"fake-libstdc++-{Guid.NewGuid():N}.so.6");
        File.WriteAllBytes(lib, Encoding.Latin1.GetBytes("\0GLIBCXX_3.4.9\0GLIBCXX_3.4.30\0GLIBCXX_3.4.29\0GLIBCXX_3.4.\0"));
        try
        {
            string message = TorchSharpRuntime.Explain("/app/libLibTorchSharp.so",
                "/app/libLibTorchSharp.so: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found", lib);
            Assert.StartsWith("/app/libLibTorchSharp.so needs GLIBCXX_3.4.32 ", message, StringComparison.Ordinal);
            Assert.Contains($"the system libstdc++ ({lib}) provides up to GLIBCXX_3.4.30.", message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(lib);
        }
    }

    [Fact]
    public void Other_loader_errors_are_passed_on()
    {
        string message = TorchSharpRuntime.Explain("/app/libLibTorchSharp.so", "libtorch.so: cannot open shared object file", null);
        Assert.Equal("/app/libLibTorchSharp.so does not load: libtorch.so: cannot open shared object file", message);
    }

    [Fact]
    public void A_missing_backend_package_is_named()
    {
        string empty = Path.Combine(Path.GetTempPath(), $"xpaste-empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(empty);
        try
        {
            Assert.Contains("reference exactly one backend package, TorchSharp-cpu", TorchSharpRuntime.Diagnose(empty), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
