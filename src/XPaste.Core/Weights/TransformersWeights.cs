namespace XPaste.Weights;

/// <summary>Where a Hugging Face transformers model folder keeps its weights.</summary>
internal static class TransformersWeights
{
    /// <summary>
    /// The folder's <c>model.safetensors</c>, else its <c>pytorch_model.bin</c> (the two files transformers writes).
    /// </summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="model">What the folder holds, for the message (e.g. <c>CLIPSeg</c>).</param>
    /// <returns>The path.</returns>
    /// <exception cref="InvalidInputException">Neither file is there.</exception>
    public static string Find(string folder, string model)
    {
        foreach (string name in new[] { "model.safetensors", "pytorch_model.bin" })
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidInputException(folder, $"no model.safetensors or pytorch_model.bin in the {model} model folder");
    }
}
