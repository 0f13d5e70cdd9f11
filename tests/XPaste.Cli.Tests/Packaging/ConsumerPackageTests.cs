using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using XPaste.Tests;

namespace XPaste.Cli.Tests.Packaging;

/// <summary>
/// The packages as a user meets them before they are on nuget.org: the README's three local-package lines (pack the
/// solution into a folder, make it a source in a new <c>nuget.config</c> of the app, add XPaste.Augment) run as written
/// in a console app made from <c>ConsumerTemplate/</c> outside the repository (TorchSharp-cpu from nuget.org, found in
/// the machine's NuGet cache when it is there), then the app is built and runs a tensor operation. Proves that the libstdc++ fix travels in the XPaste.Core package (buildTransitive) and
/// that, without it, XPaste's first call names the real cause.
/// </summary>
public sealed partial class ConsumerPackageTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Packed_packages_build_and_run_a_tensor_op_in_a_new_console_app()
    {
        string repo = FindRepositoryRoot();
        using var temp = new TempFolder();
        string feed = temp.File("xpaste-packages");
        string consumer = temp.File("MyApp");
        // A version of its own, so that no XPaste package already in the machine's NuGet cache is taken instead.
        string version = $"0.1.0-consumer.{DateTime.UtcNow:yyyyMMddHHmmss}";

        Directory.CreateDirectory(consumer);
        string template = Path.Combine(AppContext.BaseDirectory, "Packaging", "ConsumerTemplate");
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), File.ReadAllText(Path.Combine(template, "Consumer.csproj.template"))
            .Replace("$TORCHSHARP_VERSION$", "0.107.0", StringComparison.Ordinal)
            .Replace("$DI_VERSION$", CentralVersion(repo, "Microsoft.Extensions.DependencyInjection"), StringComparison.Ordinal));
        File.Copy(Path.Combine(template, "Program.cs.template"), Path.Combine(consumer, "Program.cs"));

        // The README's three lines for packages that are not on nuget.org yet, run as written.
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Packaging", "README.md"));
        string[] lines = LocalPackageLines(readme);
        string script = string.Join('\n', lines.Select(line => AsTestRun(line, repo, feed, consumer, version)));
        try
        {
            ProcessResult steps = await BashAsync(temp.Path, "set -euo pipefail\n" + script);
            Assert.True(steps.ExitCode == 0, $"the README's local-package lines failed:\n{script}\n{steps}");
            string[] packages = [.. Directory.EnumerateFiles(feed, "*.nupkg").Select(Path.GetFileName)!];
            // Packing the solution packs every library: the crawler is a package of its own (issue 19).
            foreach (string id in new[] { "XPaste.Core", "XPaste.Augment", "XPaste.Crawl" })
            {
                Assert.Contains($"{id}.{version}.nupkg", packages);
            }

            foreach (string package in packages)
            {
                string id = package[..package.IndexOf($".{version}", StringComparison.Ordinal)];
                AssertPackageMetadata(Path.Combine(feed, package), id);
            }

            // Pasting pulls no crawler: XPaste.Core depends on TorchSharp, SkiaSharp and the DI/Options/Logging abstractions only.
            Assert.Equal(CoreDependencies, PackageDependencies(Path.Combine(feed, $"XPaste.Core.{version}.nupkg"), "XPaste.Core"));
            Assert.Equal(["XPaste.Core"], PackageDependencies(Path.Combine(feed, $"XPaste.Augment.{version}.nupkg"), "XPaste.Augment"));
            Assert.Contains("Parquet.Net", PackageDependencies(Path.Combine(feed, $"XPaste.Crawl.{version}.nupkg"), "XPaste.Crawl"));

            Assert.Contains($"<PackageReference Include=\"XPaste.Augment\" Version=\"{version}\" />",
                File.ReadAllText(Path.Combine(consumer, "Consumer.csproj")), StringComparison.Ordinal);
            await BuildAndRunConsumerAsync(consumer);
        }
        finally
        {
            DeleteFromNuGetCache(version);
        }
    }

    /// <summary>The README's fenced sh block holding <c>dotnet pack</c>: exactly three command lines.</summary>
    internal static string[] LocalPackageLines(string readme)
    {
        Match block = Regex.Matches(readme, @"^```sh[ \t]*\r?\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)
            .FirstOrDefault(m => m.Groups[1].Value.Contains("dotnet pack ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException("the README has no sh block with `dotnet pack`");
        string[] lines = [.. block.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("dotnet pack path/to/XPaste/XPaste.sln ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("cd MyApp && ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("dotnet add package XPaste.Augment --version 0.1.0", lines[2], StringComparison.Ordinal);
        return lines;
    }

    /// <summary>
    /// A README line as the test runs it: the README's example paths (<c>path/to/XPaste</c>, <c>path/to/xpaste-packages</c>,
    /// <c>MyApp</c>) and version (0.1.0) replaced by the test's; the pack line also reuses what the test build made
    /// (<c>--no-build</c> in its configuration, where a user's pack builds Release).
    /// </summary>
    private static string AsTestRun(string line, string repo, string feed, string consumer, string version)
    {
        string run = line
            .Replace("path/to/XPaste/", repo.TrimEnd('/') + "/", StringComparison.Ordinal)
            .Replace("path/to/xpaste-packages", feed, StringComparison.Ordinal)
            .Replace("cd MyApp ", $"cd {consumer} ", StringComparison.Ordinal)
            .Replace("--version 0.1.0", $"--version {version}", StringComparison.Ordinal);
        return line.StartsWith("dotnet pack ", StringComparison.Ordinal)
            ? $"{run} --no-build -c {Configuration} -p:Version={version} -nodeReuse:false"
            : run;
    }

    /// <summary>The test's package version, extracted into the machine's NuGet cache by the restore, is removed again.</summary>
    private static void DeleteFromNuGetCache(string version)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (!Directory.Exists(cache))
        {
            return;
        }

        foreach (string package in Directory.EnumerateDirectories(cache, "xpaste.*"))
        {
            string folder = Path.Combine(package, version.ToLowerInvariant());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>The README's example compiles in the app; the app builds (with the libstdc++ fix where needed) and runs.</summary>
    private static async Task BuildAndRunConsumerAsync(string consumer)
    {
        // The README's example, as written, compiles in this new project against the packed packages.
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Packaging", "README.md"));
        Match snippet = Regex.Match(readme, @"^```csharp[ \t]*\r?\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline);
        Assert.True(snippet.Success, "the README has no csharp block");
        File.WriteAllText(Path.Combine(consumer, "ReadmeSnippet.txt"), snippet.Groups[1].Value);
        ProcessResult readmeBuild = await DotnetAsync(consumer, "build", "-t:Compile", "-c", "Release", "-nodeReuse:false",
            "-p:XPasteReadmeCheck=true", "-p:IntermediateOutputPath=obj/readme/");
        Assert.True(readmeBuild.ExitCode == 0, $"the README's example does not compile in a new project:\n{readmeBuild}");

        bool systemLacksVersion = SystemLibstdcxxLacks("GLIBCXX_3.4.32");
        string app = Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll");
        if (systemLacksVersion)
        {
            // Without the fix, TorchSharp cannot load here: XPaste's first call says why (found and needed versions).
            ProcessResult unfixed = await DotnetAsync(consumer, "build", "-c", "Release", "-nodeReuse:false", "-p:XPasteSkipGlibcxxFix=true");
            Assert.True(unfixed.ExitCode == 0, $"consumer build failed:\n{unfixed}");
            ProcessResult failing = await DotnetAsync(consumer, "exec", app);
            Assert.NotEqual(0, failing.ExitCode);
            // The headline (TorchSharp's misleading message survives only as the inner exception).
            string headline = failing.StdErr.Split('\n')[0];
            Assert.StartsWith("Unhandled exception. XPaste.Runtime.TorchSharpLoadException:", headline, StringComparison.Ordinal);
            Assert.Contains("libLibTorchSharp.so needs GLIBCXX_3.4.32", headline, StringComparison.Ordinal);
            Assert.Matches(@"provides up to GLIBCXX_3\.4\.\d+\.", headline);
            Assert.DoesNotContain("doesn't contain a reference", headline, StringComparison.Ordinal);
        }

        ProcessResult build = await DotnetAsync(consumer, "build", "-c", "Release", "-nodeReuse:false");
        Assert.True(build.ExitCode == 0, $"consumer build failed:\n{build}");
        // One line of build output where the fix applies, none elsewhere.
        int fixLines = FixLine().Count(build.StdOut);
        Assert.True(fixLines == (systemLacksVersion ? 1 : 0), $"expected {(systemLacksVersion ? 1 : 0)} fix line(s):\n{build}");

        ProcessResult run = await DotnetAsync(consumer, "exec", app);
        Assert.True(run.ExitCode == 0, $"consumer run failed:\n{run}");
        Assert.Equal("matmul sum 134", run.StdOut.Trim());
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [GeneratedRegex(@"XPaste: system libstdc\+\+ lacks GLIBCXX_3\.4\.32; marked that requirement weak")]
    private static partial Regex FixLine();

    /// <summary>What the XPaste.Core package may depend on (issue 19): nothing HTTP, Parquet or a concrete DI container.</summary>
    private static readonly string[] CoreDependencies =
    [
        "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Logging.Abstractions",
        "Microsoft.Extensions.Options", "SkiaSharp", "SkiaSharp.NativeAssets.Linux.NoDependencies", "TorchSharp",
        "TorchSharp.PyBridge",
    ];

    /// <summary>The ids of a package's dependencies, sorted.</summary>
    private static string[] PackageDependencies(string nupkg, string id)
    {
        using System.IO.Compression.ZipArchive zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        System.IO.Compression.ZipArchiveEntry entry = zip.GetEntry($"{id}.nuspec") ?? throw new Xunit.Sdk.XunitException($"{id}: no nuspec");
        using var reader = new StreamReader(entry.Open());
        string nuspec = reader.ReadToEnd();
        return [.. Regex.Matches(nuspec, @"<dependency id=""([^""]+)""").Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>nuget.org needs: project and repository URLs, and a README packed in the package with no relative links.</summary>
    private static void AssertPackageMetadata(string nupkg, string id)
    {
        using System.IO.Compression.ZipArchive zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        string Read(string name)
        {
            System.IO.Compression.ZipArchiveEntry entry = zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"{id}: {name} is not in the package");
            using var reader = new StreamReader(entry.Open());
            return reader.ReadToEnd();
        }

        string nuspec = Read($"{id}.nuspec");
        Assert.Matches(@"<projectUrl>https://[^<]+</projectUrl>", nuspec);
        Assert.Matches(@"<repository type=""git"" url=""https://[^""]+""", nuspec);
        Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
        string readme = Read("README.md");
        Assert.Contains("TorchSharp-cpu", readme, StringComparison.Ordinal);
        // Markdown links and images must be absolute on nuget.org.
        foreach (Match link in Regex.Matches(readme, @"\]\(([^)]+)\)"))
        {
            Assert.StartsWith("https://", link.Groups[1].Value, StringComparison.Ordinal);
        }

        if (id == "XPaste.Core")
        {
            Assert.NotNull(zip.GetEntry("buildTransitive/XPaste.Core.targets"));
            Assert.NotNull(zip.GetEntry("buildTransitive/XPaste.Build.Tasks.dll"));
        }
    }

    /// <summary>The version Directory.Packages.props pins for a package (what the machine's NuGet cache holds).</summary>
    private static string CentralVersion(string repo, string package)
    {
        string props = File.ReadAllText(Path.Combine(repo, "Directory.Packages.props"));
        Match m = Regex.Match(props, $@"<PackageVersion Include=""{Regex.Escape(package)}"" Version=""([^""]+)""");
        Assert.True(m.Success, $"{package} is not in Directory.Packages.props");
        return m.Groups[1].Value;
    }

    private static bool SystemLibstdcxxLacks(string version)
    {
        string? lib = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        if (!OperatingSystem.IsLinux() || lib is null)
        {
            return false;
        }

        return !Encoding.Latin1.GetString(File.ReadAllBytes(lib)).Contains(version + "\0", StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "XPaste.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (XPaste.sln) not found above the test folder");
    }

    private sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    private static Task<ProcessResult> DotnetAsync(string workingDirectory, params string[] args) => RunAsync("dotnet", workingDirectory, args);

    /// <summary>A bash script (the README's lines), with the same environment as the dotnet steps.</summary>
    private static Task<ProcessResult> BashAsync(string workingDirectory, string script) => RunAsync("bash", workingDirectory, "-c", script);

    private static async Task<ProcessResult> RunAsync(string program, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        // The test host's MSBuild variables would point the child build at the test run's SDK state.
        foreach (string key in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            info.Environment.Remove(key);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {StepTimeout}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
