namespace XPaste.Abstractions;

/// <summary>
/// An <see cref="IInstanceSource"/> that knows its candidates before loading any pixels, so a resumed run can skip
/// finished candidates without decoding them, and progress can show a total.
/// </summary>
public interface IResumableInstanceSource : IInstanceSource
{
    /// <summary>How many candidates <see cref="IInstanceSource.ReadAsync"/> yields.</summary>
    int Count { get; }

    /// <summary>Streams the candidates in the same stable order as <see cref="IInstanceSource.ReadAsync"/>, leaving out those <paramref name="skip"/> names.</summary>
    /// <param name="skip">Called with each candidate's <see cref="SourceImage.Id"/> before its pixels are loaded; true leaves it out.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The candidates not skipped; each is owned by the consumer.</returns>
    IAsyncEnumerable<SourceImage> ReadAsync(Func<string, bool> skip, CancellationToken cancellationToken = default);
}
