using System.CommandLine;

namespace XPaste.Cli.Commands;

/// <summary>Placeholder until the command lands.</summary>
internal static class AugmentCommand
{
    public static Command Create()
    {
        var command = new Command("augment", "(not yet implemented)");
        command.SetAction(_ => { Console.Error.WriteLine("not yet implemented"); return 1; });
        return command;
    }
}
