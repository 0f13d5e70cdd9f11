namespace XPaste.Runtime;

/// <summary>TorchSharp's native backend cannot load; the message names the real cause (see <see cref="TorchSharpRuntime"/>).</summary>
public sealed class TorchSharpLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="innerException">TorchSharp's own exception.</param>
    public TorchSharpLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TorchSharpLoadException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    public TorchSharpLoadException(string message)
        : base(message)
    {
    }
}
