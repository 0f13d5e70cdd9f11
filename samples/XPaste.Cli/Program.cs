using System.CommandLine;
using XPaste.Cli;
using XPaste.Cli.Commands;

// With no arguments the tool runs the main job on the bundled data (see DefaultJob).
if (args.Length == 0)
{
    args = DefaultJob.Arguments();
    Console.Error.WriteLine($"xpaste {string.Join(' ', args)}");
}

var root = new RootCommand("xpaste: X-Paste instance banks and copy-paste augmentation for .NET.");
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(BankCommand.Create());
root.Subcommands.Add(ClipCommand.Create());
root.Subcommands.Add(AugmentCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
// Ctrl+C cancels the command's token; long commands stop at their next commit point (a batch, a bank segment), which
// can take longer than System.CommandLine's default 2 s grace before it gives up on them.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
