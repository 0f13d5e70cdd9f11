namespace XPaste.Generation;

/// <summary>
/// Where a seeded generation run puts its batches. CPU and GPU kernels may round differently for other batch shapes,
/// so image <c>k</c> is always made in the batch <c>[j*b, (j+1)*b)</c> that holds it, with the same companions: a
/// resumed, retried or sharded run then writes the same bytes as an uninterrupted one.
/// </summary>
public static class GenerationBatches
{
    /// <summary>
    /// The batches <c>[j*batchSize, (j+1)*batchSize)</c>, cut at <paramref name="count"/>, that hold at least one of
    /// <paramref name="sortedMissing"/>. A batch with images already there makes them again; callers keep the old files.
    /// </summary>
    /// <param name="sortedMissing">The indices still to make, ascending.</param>
    /// <param name="batchSize">Images per batch, at least 1.</param>
    /// <param name="count">How many images the run has in all.</param>
    /// <returns>Each batch's first index and size, in order.</returns>
    public static IEnumerable<(int First, int Count)> AtFixedPlaces(IReadOnlyList<int> sortedMissing, int batchSize, int count)
    {
        ArgumentNullException.ThrowIfNull(sortedMissing);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return Iterate(sortedMissing, batchSize, count);
    }

    private static IEnumerable<(int First, int Count)> Iterate(IReadOnlyList<int> sortedMissing, int batchSize, int count)
    {
        int last = -1;
        foreach (int k in sortedMissing)
        {
            int block = k / batchSize;
            if (block == last)
            {
                continue;
            }

            last = block;
            int first = block * batchSize;
            yield return (first, Math.Min(batchSize, count - first));
        }
    }
}
