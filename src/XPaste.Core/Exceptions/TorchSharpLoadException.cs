namespace XPaste.Runtime;

/// <summary>
/// TorchSharp's native backend cannot load; the message names the real cause (the libstdc++ version needed and the
/// one found, or the missing backend package), which TorchSharp's own message does not (see <see cref="TorchSharpRuntime"/>).
/// </summary>
public sealed class TorchSharpLoadException : XPasteException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="innerException">TorchSharp's own exception.</param>
    public TorchSharpLoadException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
