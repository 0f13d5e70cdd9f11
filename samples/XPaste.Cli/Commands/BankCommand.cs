using System.CommandLine;

namespace XPaste.Cli.Commands;

/// <summary><c>xpaste bank</c>: build, extract into, and summarise instance banks.</summary>
internal static class BankCommand
{
    public static Command Create()
    {
        var command = new Command("bank", "Build, extract into, and summarise instance banks.");
        command.Subcommands.Add(BankExtractCommand.Create());
        return command;
    }
}
