using System.CommandLine;

namespace XPaste.Cli.Commands;

/// <summary>Placeholder until the command lands.</summary>
internal static class BankExtractCommand
{
    public static Command Create()
    {
        var command = new Command("extract", "(not yet implemented)");
        command.SetAction(_ => { Console.Error.WriteLine("not yet implemented"); return 1; });
        return command;
    }
}
