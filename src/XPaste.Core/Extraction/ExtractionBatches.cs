using static TorchSharp.torch;

namespace XPaste.Extraction;

/// <summary>The batch loop the model-based extractors share.</summary>
internal static class ExtractionBatches
{
    /// <summary>
    /// Runs <paramref name="extractBatch"/> over consecutive batches of at most <paramref name="batchSize"/> images and
    /// collects the masks, detached from dispose scopes (the caller owns them); on failure the masks made so far are
    /// disposed. Cancellation is checked between batches.
    /// </summary>
    /// <param name="count">How many images.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="extractBatch">Makes the masks of the images <c>[start, start + count)</c>.</param>
    /// <param name="batchCompleted">Told how many images are done after each batch; may be null.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>One mask per image, in order.</returns>
    public static IReadOnlyList<Tensor> Run(int count, int batchSize, Func<int, int, IEnumerable<Tensor>> extractBatch,
        Action<int>? batchCompleted, CancellationToken cancellationToken)
    {
        var masks = new List<Tensor>(count);
        try
        {
            for (int start = 0; start < count; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int size = Math.Min(batchSize, count - start);
                masks.AddRange(extractBatch(start, size).Select(m => m.DetachFromDisposeScope()));
                batchCompleted?.Invoke(start + size);
            }
        }
        catch
        {
            foreach (Tensor mask in masks)
            {
                mask.Dispose();
            }

            throw;
        }

        return masks;
    }
}
