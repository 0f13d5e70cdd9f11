using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Abstractions;

namespace XPaste.Bank;

/// <summary>
/// Writes masked candidates (<see cref="SourceImage.Mask"/> set, e.g. from <see cref="Sources.DatasetInstanceSource"/>)
/// into an <see cref="InstanceBank"/>: each is cut out with <see cref="Cutout.FromMask"/> and added in batches.
/// Resumable: candidates the bank has already processed are skipped (before their pixels are loaded when the source
/// is an <see cref="IResumableInstanceSource"/>). Cancelling commits the finished work before it throws.
/// </summary>
public sealed class BankBuilder
{
    private readonly InstanceBank _bank;
    private readonly BankBuilderOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a builder writing into <paramref name="bank"/>.</summary>
    /// <param name="bank">A bank opened for writing.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="logger">Receives progress notes; none when null.</param>
    public BankBuilder(InstanceBank bank, BankBuilderOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        if (bank.IsReadOnly)
        {
            throw new ArgumentException($"{bank.Folder}: the bank is read-only; open it with InstanceBank.OpenOrCreate", nameof(bank));
        }

        _bank = bank;
        _options = options ?? new BankBuilderOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The key a candidate is recorded under in the bank (<see cref="BankInstance.Source"/>): <c>{source name}/{candidate id}</c>.</summary>
    /// <param name="source">The source.</param>
    /// <param name="candidateId">The candidate's <see cref="SourceImage.Id"/>.</param>
    /// <returns>The key.</returns>
    public static string SourceKey(IInstanceSource source, string candidateId)
    {
        ArgumentNullException.ThrowIfNull(source);
        return $"{source.Name}/{candidateId}";
    }

    /// <summary>Cuts out every candidate of <paramref name="source"/> not yet in the bank and adds it.</summary>
    /// <param name="source">Candidates with masks.</param>
    /// <param name="progress">Receives <c>bank</c> progress in candidates (skipped ones included).</param>
    /// <param name="cancellationToken">Stops the run after committing what is finished.</param>
    /// <returns>Counts of what was added, skipped and rejected.</returns>
    /// <exception cref="InvalidInputException">A candidate has no mask.</exception>
    public async Task<BankBuildResult> AddAsync(IInstanceSource source, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        int added = 0, skipped = 0, rejected = 0, done = 0;
        long? total = (source as IResumableInstanceSource)?.Count;
        var batch = new List<BankCutout>(_options.BatchSize);

        void Report() => progress?.Report(new OperationProgress("bank", done, total, "objects"));

        bool Skip(string id)
        {
            if (!_bank.IsProcessed(SourceKey(source, id)))
            {
                return false;
            }

            skipped++;
            done++;
            Report();
            return true;
        }

        void CommitBatch()
        {
            if (batch.Count == 0)
            {
                return;
            }

            try
            {
                added += _bank.AddRange(batch).Count;
            }
            finally
            {
                foreach (BankCutout cutout in batch)
                {
                    cutout.Rgba.Dispose();
                }

                batch.Clear();
            }
        }

        Report();
        IAsyncEnumerable<SourceImage> candidates = source is IResumableInstanceSource resumable
            ? resumable.ReadAsync(Skip, cancellationToken)
            : source.ReadAsync(cancellationToken);
        try
        {
            await foreach (SourceImage candidate in candidates.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                using (candidate)
                {
                    if (Skip(candidate.Id))
                    {
                        continue;
                    }

                    if (candidate.Mask is null)
                    {
                        throw new InvalidInputException(candidate.Origin,
                            $"candidate '{candidate.Id}' of source '{source.Name}' has no mask; BankBuilder takes masked candidates (unmasked ones need an extractor)");
                    }

                    string key = SourceKey(source, candidate.Id);
                    // Waits in the batch across awaits: out of any (per-thread) dispose scope; the bank or Dispose frees it.
                    var rgba = Cutout.FromMask(candidate.Image, candidate.Mask, _options.MaskThreshold)?.DetachFromDisposeScope();
                    long pixels = 0;
                    if (rgba is not null)
                    {
                        // Disposed at once: a view left to the GC would keep the whole cut-out alive.
                        using TorchSharp.torch.Tensor alpha = rgba[3];
                        using TorchSharp.torch.Tensor count = alpha.count_nonzero();
                        pixels = count.item<long>();
                    }

                    if (rgba is null || pixels < _options.MinPixels)
                    {
                        rgba?.Dispose();
                        _bank.Reject(pixels == 0
                            ? new BankRejection(key, candidate.Category.Name, RejectionKind.EmptyMask, _options.Extractor)
                            : new BankRejection(key, candidate.Category.Name, RejectionKind.TooFewPixels, _options.Extractor, pixels, _options.MinPixels));
                        rejected++;
                    }
                    else
                    {
                        batch.Add(new BankCutout(rgba, candidate.Category, key, _options.Extractor, null, candidate.Origin));
                    }
                }

                done++;
                if (batch.Count >= _options.BatchSize)
                {
                    CommitBatch();
                }

                Report();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // Also on cancellation or a bad candidate: what was cut out is valid work, keep it.
            CommitBatch();
            _bank.Flush();
        }

        BankBuilderLog.Finished(_logger, source.Name, _bank.Folder, added, skipped, rejected);
        return new BankBuildResult(added, skipped, rejected);
    }
}

internal static partial class BankBuilderLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} -> {Bank}: {Added} added, {Skipped} already there, {Rejected} rejected")]
    public static partial void Finished(ILogger logger, string source, string bank, int added, int skipped, int rejected);
}
