namespace XPaste.Augment;

/// <summary>Entry point of the fluent API: <c>XPastePipeline.CreateBuilder().UseInstancePool(pool).UseDataset(data).Build()</c>.</summary>
public static class XPastePipeline
{
    /// <summary>Starts a pipeline outside dependency injection.</summary>
    /// <returns>A builder with default options.</returns>
    /// <exception cref="Runtime.TorchSharpLoadException">TorchSharp's native backend cannot load (the message says why).</exception>
    public static XPastePipelineBuilder CreateBuilder()
    {
        Runtime.TorchSharpRuntime.EnsureLoaded();
        return new(null);
    }
}
