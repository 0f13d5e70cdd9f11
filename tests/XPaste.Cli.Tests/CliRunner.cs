using System.Diagnostics;

namespace XPaste.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StdOut">Everything written to standard output.</param>
/// <param name="StdErr">Everything written to standard error.</param>
internal sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs the built <c>xpaste</c> tool (copied beside the tests) as a child process, as a user would.</summary>
internal static class CliRunner
{
    /// <summary>The tool's assembly beside the test assembly.</summary>
    public static string ToolPath { get; } = Path.Combine(AppContext.BaseDirectory, "xpaste.dll");

    /// <summary>Starts the tool with <paramref name="args"/> in <paramref name="workingDirectory"/> (the test folder by default).</summary>
    public static Process Start(IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(ToolPath);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Plain output: no colours or live bars in redirected streams.
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
        {
            foreach ((string key, string? value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Runs the tool to completion (killed after <paramref name="timeout"/>) and returns what it printed.</summary>
    public static async Task<CliResult> RunAsync(
        IEnumerable<string> args,
        string? workingDirectory = null,
        IDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        using Process process = Start(args, workingDirectory, environment);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"xpaste {string.Join(' ', args)} did not finish in time");
        }

        return new CliResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs the tool synchronously (for tests that are not async).</summary>
    public static CliResult Run(params string[] args) => RunAsync(args).GetAwaiter().GetResult();
}
