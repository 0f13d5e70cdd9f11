namespace XPaste.IO;

/// <summary>Thrown when a resumed run, a generation folder or a shard to merge was made with other settings.</summary>
public sealed class RunSettingsConflictException : InvalidInputException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="input">The settings file or image.</param>
    /// <param name="setting">The first setting that differs.</param>
    /// <param name="problem">What differs and what to do.</param>
    public RunSettingsConflictException(string input, string setting, string problem)
        : base(input, problem) => Setting = setting;

    /// <summary>The name of the first setting that differs.</summary>
    public string Setting { get; }
}
