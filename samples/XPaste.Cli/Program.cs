using XPaste.Cli;

// The commands are built in CliApp.CreateRoot; errors are handled once, in CliApp.RunAsync.
return await CliApp.RunAsync(args).ConfigureAwait(false);
