using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XPaste.Coco;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// The online augmenter a training loop pulls batches from: plans each sample with the policy (seeded per sample),
/// executes the plans with the <see cref="PasteKernel"/> on the configured device, and prefetches batches on a
/// background thread. Build it with <see cref="XPastePipeline.CreateBuilder"/> or <c>services.AddXPaste()</c>.
/// <para>
/// Threading: planning and <see cref="Augment(IReadOnlyList{int}, long)"/> may be called from any thread, concurrently.
/// Batches made by the prefetching readers are made on a worker thread and handed over detached from every dispose
/// scope (TorchSharp's scopes are per thread): the consumer owns each batch and must dispose it, or attach it to its
/// own scope with <see cref="AugmentedBatch.AttachToCurrentDisposeScope"/>. Batches made synchronously are detached too.
/// The augmenter does not own the pool or the dataset it was given.
/// </para>
/// </summary>
public sealed class XPasteAugmenter
{
    private readonly PlanExecutor _executor;
    private readonly LargeScaleJitter? _jitter;
    private readonly ILogger _logger;

    internal XPasteAugmenter(XPasteOptions options, IPastePolicy policy, IAnnotatedImageSource? dataset, IPasteInstancePool? pool, CategorySizeStatistics? sizes, ILogger? logger)
    {
        Options = options;
        Policy = policy;
        Dataset = dataset;
        Pool = pool;
        Sizes = sizes;
        Device = device(options.Device.Trim().ToLowerInvariant());
        Kernel = new PasteKernel(options.Kernel);
        _jitter = options.UseJitter ? new LargeScaleJitter(options.Jitter) : null;
        _executor = new PlanExecutor(Kernel, options.Jitter, dataset, pool, Device);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The settings (validated).</summary>
    public XPasteOptions Options { get; }

    /// <summary>The paste policy.</summary>
    public IPastePolicy Policy { get; }

    /// <summary>The destination images, or null when the caller supplies destinations itself.</summary>
    public IAnnotatedImageSource? Dataset { get; }

    /// <summary>The instance pool, or null (Simple Copy-Paste alone needs none).</summary>
    public IPasteInstancePool? Pool { get; }

    /// <summary>Per-category size statistics, or null (the X-Paste policy then uses its default size).</summary>
    public CategorySizeStatistics? Sizes { get; }

    /// <summary>The device the kernel runs on and the outputs live on.</summary>
    public Device Device { get; }

    /// <summary>The kernel that executes the plans.</summary>
    public PasteKernel Kernel { get; }

    /// <summary>Plans one sample of a dataset image. Draws no pixels; deterministic for a seed, image and index.</summary>
    /// <param name="destination">The image's index in <see cref="Dataset"/>.</param>
    /// <param name="sampleIndex">The sample's index in the run (it and <see cref="XPasteOptions.Seed"/> make the sample's seed).</param>
    /// <returns>The plan.</returns>
    public SamplePlan Plan(int destination, long sampleIndex)
    {
        IAnnotatedImageSource dataset = Dataset ?? throw new InvalidOperationException("no dataset is configured: pass destinations to Augment instead");
        ArgumentOutOfRangeException.ThrowIfNegative(destination);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(destination, dataset.Images.Count);
        AnnotatedImageInfo info = dataset.Images[destination];
        return PlanFor(destination, info.Id, info.Width, info.Height, null, sampleIndex);
    }

    /// <summary>Plans and executes a batch of dataset images.</summary>
    /// <param name="destinations">Indices into <see cref="Dataset"/>.</param>
    /// <param name="firstSampleIndex">The sample index of the first one; the others follow consecutively.</param>
    /// <returns>The batch; the caller owns it.</returns>
    public AugmentedBatch Augment(IReadOnlyList<int> destinations, long firstSampleIndex)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        SamplePlan[] plans = [.. destinations.Select((d, i) => Plan(d, firstSampleIndex + i))];
        return Execute(plans, null);
    }

    /// <summary>
    /// Plans and executes a batch of destinations the caller loaded itself (its own data loader). Simple Copy-Paste still
    /// draws its sources from <see cref="Dataset"/>.
    /// </summary>
    /// <param name="destinations">The images with their objects, on any device; not modified or disposed.</param>
    /// <param name="firstSampleIndex">The sample index of the first one; the others follow consecutively.</param>
    /// <returns>The batch; the caller owns it. Its plans have destination index -1: replay them with the same destinations.</returns>
    public AugmentedBatch Augment(IReadOnlyList<AnnotatedImage> destinations, long firstSampleIndex)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        SamplePlan[] plans = [.. destinations.Select((d, i) => PlanFor(-1, d.Id, d.Width, d.Height, d.Labels, firstSampleIndex + i))];
        return Execute(plans, destinations);
    }

    /// <summary>Executes logged plans again: the same plans, dataset and pool give the same batch, bit for bit.</summary>
    /// <param name="plans">Plans from <see cref="AugmentedBatch.Plans"/> (possibly read back with <see cref="SamplePlan.FromJson"/>).</param>
    /// <param name="destinations">For plans made from caller-supplied destinations: those destinations, one per plan.</param>
    /// <returns>The batch; the caller owns it.</returns>
    /// <exception cref="InvalidInputException">A plan does not fit the dataset or pool (wrong ids, sizes or indices).</exception>
    public AugmentedBatch Replay(IReadOnlyList<SamplePlan> plans, IReadOnlyList<AnnotatedImage>? destinations = null)
    {
        ArgumentNullException.ThrowIfNull(plans);
        if (destinations is not null && destinations.Count != plans.Count)
        {
            throw new ArgumentException($"{plans.Count} plans but {destinations.Count} destinations", nameof(destinations));
        }

        return Execute(plans, destinations);
    }

    /// <summary>The order in which an epoch visits the dataset (seeded shuffle, or in order when <see cref="XPasteOptions.Shuffle"/> is off).</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <returns>Dataset indices.</returns>
    public int[] EpochOrder(int epoch)
    {
        IAnnotatedImageSource dataset = Dataset ?? throw new InvalidOperationException("no dataset is configured");
        int[] order = [.. Enumerable.Range(0, dataset.Images.Count)];
        if (Options.Shuffle)
        {
            // A stream apart from the samples' (their indices are non-negative).
            new PasteRandom(PasteRandom.SampleSeed(Options.Seed, -1 - (long)epoch)).Shuffle<int>(order);
        }

        return order;
    }

    /// <summary>
    /// Streams one epoch of batches, made ahead on a background thread (at most <see cref="XPasteOptions.PrefetchBatches"/>
    /// waiting). The sample index of position p in epoch e is <c>e x dataset size + p</c>, so every sample of a run has
    /// its own seed. Stopping early (break, cancellation, an exception) stops the worker and disposes what it made ahead.
    /// </summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The batches; the consumer owns (disposes) each.</returns>
    public async IAsyncEnumerable<AugmentedBatch> ReadEpochAsync(int epoch, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var prefetch = new Prefetcher(this, epoch, cancellationToken);
        while (await prefetch.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (prefetch.Reader.TryRead(out AugmentedBatch? batch))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    batch.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                }

                yield return batch;
            }
        }
    }

    /// <summary>The synchronous form of <see cref="ReadEpochAsync"/>, for a plain <c>foreach</c> training loop.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <returns>The batches; the consumer owns (disposes) each.</returns>
    public IEnumerable<AugmentedBatch> ReadEpoch(int epoch, CancellationToken cancellationToken = default)
    {
        using var prefetch = new Prefetcher(this, epoch, cancellationToken);
        while (prefetch.Reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
        {
            while (prefetch.Reader.TryRead(out AugmentedBatch? batch))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    batch.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                }

                yield return batch;
            }
        }
    }

    private SamplePlan PlanFor(int destination, string id, int width, int height, IReadOnlyList<long>? labels, long sampleIndex)
    {
        ulong seed = PasteRandom.SampleSeed(Options.Seed, sampleIndex);
        var random = new PasteRandom(seed);
        JitterPlan? jitter = _jitter?.Plan(width, height, random);
        int w = jitter?.OutputWidth ?? width, h = jitter?.OutputHeight ?? height;
        labels ??= [];
        var context = new PasteContext(w, h, labels, Pool, Dataset, Sizes);
        IReadOnlyList<PasteStep> steps = Policy.Plan(context, random);
        return new SamplePlan(seed, destination, id, jitter, w, h, [.. steps]);
    }

    private AugmentedBatch Execute(IReadOnlyList<SamplePlan> plans, IReadOnlyList<AnnotatedImage>? destinations)
    {
        long start = Stopwatch.GetTimestamp();
        PasteBatch batch = _executor.Execute(plans, destinations);
        batch.DetachFromDisposeScope();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            int steps = plans.Sum(p => p.Steps.Count);
            double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Log.BatchAugmented(_logger, plans.Count, steps, milliseconds);
        }

        return new AugmentedBatch(batch, plans);
    }

    /// <summary>A worker thread that fills a bounded channel with one epoch's batches.</summary>
    private sealed class Prefetcher : IDisposable
    {
        private readonly Channel<AugmentedBatch> _channel;
        private readonly CancellationTokenSource _stop;
        private readonly Thread _worker;

        public Prefetcher(XPasteAugmenter augmenter, int epoch, CancellationToken cancellationToken)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(epoch);
            _channel = Channel.CreateBounded<AugmentedBatch>(new BoundedChannelOptions(augmenter.Options.PrefetchBatches)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            CancellationToken token = _stop.Token;
            _worker = new Thread(() => Produce(augmenter, epoch, token)) { IsBackground = true, Name = $"xpaste-prefetch-{epoch}" };
            _worker.Start();
        }

        public ChannelReader<AugmentedBatch> Reader => _channel.Reader;

        private void Produce(XPasteAugmenter augmenter, int epoch, CancellationToken token)
        {
            try
            {
                int[] order = augmenter.EpochOrder(epoch);
                int size = augmenter.Options.BatchSize;
                long first = (long)epoch * order.Length;
                for (int start = 0; start < order.Length; start += size)
                {
                    int count = Math.Min(size, order.Length - start);
                    if (count < size && augmenter.Options.DropLast)
                    {
                        break;
                    }

                    token.ThrowIfCancellationRequested();
                    // The batch leaves this thread detached from its dispose scopes (Execute detaches it).
                    AugmentedBatch batch = augmenter.Augment(new ArraySegment<int>(order, start, count), first + start);
                    try
                    {
                        _channel.Writer.WriteAsync(batch, token).AsTask().GetAwaiter().GetResult();
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }
                }

                _channel.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                _channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                Log.EpochFailed(augmenter._logger, e, epoch);
                _channel.Writer.TryComplete(e);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _worker.Join();
            while (_channel.Reader.TryRead(out AugmentedBatch? left))
            {
                left.Dispose();
            }

            _stop.Dispose();
        }
    }
}
