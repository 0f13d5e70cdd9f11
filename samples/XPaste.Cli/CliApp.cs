using System.CommandLine;
using System.CommandLine.Invocation;
using XPaste.Cli.Commands;

namespace XPaste.Cli;

/// <summary>
/// The <c>xpaste</c> command tree and the one place where its errors are handled: parse errors and every exception
/// a command lets out become <c>error: input: problem</c> lines on standard error with the <see cref="ExitCodes"/>
/// code; a stack trace only with <c>--debug</c> or <c>XPASTE_DEBUG=1</c>.
/// </summary>
public static class CliApp
{
    /// <summary>Shows stack traces of failures (also <c>XPASTE_DEBUG=1</c>).</summary>
    private static readonly Option<bool> Debug = new("--debug")
    {
        Description = "On failure, also print the exception's stack trace (or set XPASTE_DEBUG=1).",
        Recursive = true,
        Hidden = true,
    };

    /// <summary>Every command of the tool, as <c>xpaste</c> runs them (the tests walk this tree).</summary>
    /// <returns>The root command.</returns>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("xpaste: X-Paste instance banks and copy-paste augmentation for .NET.");
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(BankCommand.Create());
        root.Subcommands.Add(ClipCommand.Create());
        root.Subcommands.Add(AugmentCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(CrawlCommand.Create());
        root.Options.Add(Debug);
        return root;
    }

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the process exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);

        // With no arguments the tool runs the main job on the bundled data (see DefaultJob).
        if (args.Length == 0)
        {
            args = DefaultJob.Arguments();
            Console.Error.WriteLine($"xpaste {string.Join(' ', args)}");
        }

        bool debug = args.Contains("--debug", StringComparer.Ordinal) || Environment.GetEnvironmentVariable("XPASTE_DEBUG") is "1" or "true";
        ParseResult parse;
        try
        {
            parse = CreateRoot().Parse(args);
        }
        catch (Exception ex)
        {
            return CliErrors.Report(ex, debug);
        }

        if (parse.Action is ParseErrorAction)
        {
            return CliErrors.ReportParseErrors(parse);
        }

        // Ctrl+C cancels the command's token; long commands stop at their next commit point (a batch, a bank
        // segment), which can take longer than System.CommandLine's default 2 s grace before it gives up on them.
        var invocation = new InvocationConfiguration
        {
            ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parse.InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return CliErrors.Report(ex, debug);
        }
    }
}
