using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace XPaste.Cli;

/// <summary>Turns parse errors and exceptions into the tool's one error style: <c>error: input: problem</c>.</summary>
internal static partial class CliErrors
{
    /// <summary>Prints a failure as one line (plus the stack trace when debugging) and returns its exit code.</summary>
    public static int Report(Exception exception, bool debug)
    {
        if (ExitCodes.IsExpected(exception))
        {
            if (exception is not OperationCanceledException)
            {
                Console.Error.WriteLine(ExitCodes.Describe(exception));
            }
            else
            {
                Console.Error.WriteLine("cancelled");
            }
        }
        else
        {
            // A bug: still one line, with a hint where the details are.
            Console.Error.WriteLine($"error: internal error ({exception.GetType().Name}): {FirstLine(exception.Message)}" +
                (debug ? "" : " (run again with --debug or XPASTE_DEBUG=1 for the stack trace, and please report it)"));
        }

        if (debug)
        {
            Console.Error.WriteLine(exception.ToString());
        }

        return ExitCodes.For(exception);
    }

    /// <summary>Prints each parse error as <c>error: --option: problem</c> (no help text) and returns <see cref="ExitCodes.Usage"/>.</summary>
    public static int ReportParseErrors(ParseResult parse)
    {
        // "Required command was not provided" beside an unknown word says the same thing twice.
        IEnumerable<ParseError> errors = parse.Errors.Count > 1
            ? parse.Errors.Where(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal))
            : parse.Errors;
        string[] tokens = [.. parse.Tokens.Select(t => t.Value)];
        string? unknownOption = null;
        foreach (ParseError error in errors)
        {
            if (UnrecognisedToken().Match(error.Message) is { Success: true } unknown)
            {
                string token = unknown.Groups[1].Value;
                // The value after a mistyped option is not a second mistake: only the option is reported.
                if (unknownOption is not null && !token.StartsWith('-') && Follows(tokens, unknownOption, token))
                {
                    unknownOption = null;
                    continue;
                }

                unknownOption = token.StartsWith('-') ? token : null;
                if (unknownOption is not null && OptionSuggestions.Nearest(token, parse.CommandResult.Command) is { } nearest)
                {
                    Console.Error.WriteLine($"error: {token}: not an option of '{string.Join(' ', Ancestry(parse.CommandResult).Prepend("xpaste"))}'; did you mean {nearest}?");
                    continue;
                }
            }

            Console.Error.WriteLine($"error: {Input(error)}: {Problem(error)}");
        }

        // A value out of range says what is allowed already; a word the tool does not know needs the help.
        if (errors.Any(e => UnrecognisedToken().IsMatch(e.Message) || e.Message.StartsWith("Required command", StringComparison.Ordinal)))
        {
            string command = string.Join(' ', Ancestry(parse.CommandResult).Prepend("xpaste"));
            Console.Error.WriteLine($"(see '{command} --help')");
        }

        return ExitCodes.Usage;
    }

    /// <summary>Whether <paramref name="next"/> comes right after <paramref name="first"/> somewhere in the command line.</summary>
    private static bool Follows(string[] tokens, string first, string next)
    {
        for (int i = 0; i + 1 < tokens.Length; i++)
        {
            if (tokens[i] == first && tokens[i + 1] == next)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What the error is about: the option or argument by name, else the token the user typed.</summary>
    private static string Input(ParseError error) => error.SymbolResult switch
    {
        OptionResult option => option.Option.Name,
        ArgumentResult { Parent: OptionResult option } => option.Option.Name,
        ArgumentResult argument => argument.Argument.Name.ToUpperInvariant(),
        _ when UnrecognisedToken().Match(error.Message) is { Success: true } m => m.Groups[1].Value,
        CommandResult command => string.Join(' ', Ancestry(command).Prepend("xpaste")),
        _ => "xpaste",
    };

    private static string Problem(ParseError error)
    {
        string message = error.Message;
        if (NotOneOf().Match(message) is { Success: true } choice)
        {
            string allowed = string.Join(", ", AllowedValue().Matches(message[choice.Length..]).Select(m => m.Groups[1].Value));
            return $"'{choice.Groups[1].Value}' is not one of {allowed}";
        }

        if (CannotParse().Match(message) is { Success: true } parse)
        {
            string kind = parse.Groups[2].Value switch
            {
                "System.Int32" or "System.Int64" or "System.Int32[]" or "System.Nullable`1[System.Int64]" or "System.Nullable`1[System.Int32]" => "a whole number",
                "System.Double" or "System.Single" => "a number",
                "System.Boolean" => "true or false",
                _ => "a valid value",
            };
            return $"'{parse.Groups[1].Value}' is not {kind}";
        }

        if (UnrecognisedToken().IsMatch(message))
        {
            return "not a command or option here";
        }

        if (message.StartsWith("Required command", StringComparison.Ordinal) && error.SymbolResult is CommandResult parent)
        {
            return $"a command is needed: {string.Join(", ", parent.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";
        }

        if (message.EndsWith(" is required.", StringComparison.Ordinal) || message.StartsWith("Required argument missing", StringComparison.Ordinal))
        {
            return "is required";
        }

        return OneLine(message.TrimEnd('.'));
    }

    private static Stack<string> Ancestry(SymbolResult? result)
    {
        var names = new Stack<string>();
        for (SymbolResult? r = result; r is CommandResult { Command: not RootCommand } c; r = r.Parent)
        {
            names.Push(c.Command.Name);
        }

        return names;
    }

    /// <summary>The message without <c>(Parameter 'name')</c>: internal names mean nothing to a user.</summary>
    internal static string WithoutParameterName(string message) => ParameterSuffix().Replace(FirstLine(message), "");

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).TrimEnd();
    }

    private static string OneLine(string message) => Whitespace().Replace(message, " ").Trim();

    [GeneratedRegex(@"^Argument '([^']*)' not recognized\. Must be one of:")]
    private static partial Regex NotOneOf();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex AllowedValue();

    [GeneratedRegex(@"^Cannot parse argument '([^']*)' for (?:option|command|argument) '[^']*' as expected type '([^']*)'")]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"^Unrecognized command or argument '([^']*)'")]
    private static partial Regex UnrecognisedToken();

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)\s*$")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
