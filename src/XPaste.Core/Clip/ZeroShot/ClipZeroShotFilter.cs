using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Clip;

/// <summary>
/// X-Paste's CLIP filter: scores each image against a category as <c>exp(logit_scale) x cosine</c> of the image
/// embedding and the category's prompt embedding (100 x cosine for OpenAI's checkpoints), and keeps an image when
/// its score reaches <c>min(MinScore, best score of the category - Tolerance)</c>. Text embeddings are computed
/// once per category and cached; images go through the tower in batches. Work runs on the calling thread.
/// </summary>
public sealed class ClipZeroShotFilter : IZeroShotFilter, IDisposable
{
    private readonly ClipTokenizer _tokenizer;
    private readonly ClipImageProcessor _processor;
    private readonly ILogger _logger;
    private readonly bool _ownsModel;
    private readonly Dictionary<string, Tensor> _textCache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();
    private bool _disposed;

    /// <summary>Creates the filter over a loaded model.</summary>
    /// <param name="model">The CLIP model (X-Paste uses ViT-L/14).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="options">Templates and thresholds; the reference's when null.</param>
    /// <param name="logger">Receives progress messages; none when null.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with the filter.</param>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public ClipZeroShotFilter(ClipModel model, ClipTokenizer tokenizer, ClipZeroShotOptions? options = null,
        ILogger? logger = null, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options ??= new ClipZeroShotOptions();
        OptionsValidation.ThrowIfInvalid(new ClipZeroShotOptionsValidator(), options);

        Model = model;
        Options = options;
        _tokenizer = tokenizer;
        _processor = new ClipImageProcessor(ClipImageProcessorOptions.ForImageSize(model.ImageSize));
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _ownsModel = ownsModel;
    }

    /// <summary>The model the filter scores with.</summary>
    public ClipModel Model { get; }

    /// <summary>The options in use.</summary>
    public ClipZeroShotOptions Options { get; }

    /// <summary>Test hook: called after each batch with the number of images scored so far.</summary>
    internal Action<int>? BatchCompleted { get; set; }

    /// <summary>Loads model and tokenizer from a Hugging Face CLIP folder or Hub repo id and creates a filter that owns them.</summary>
    /// <param name="nameOrPath">The model folder (config.json, weights, vocab.json, merges.txt), or a Hub repo id (<c>openai/clip-vit-large-patch14</c>).</param>
    /// <param name="options">Templates and thresholds, and in <see cref="ClipZeroShotOptions.Model"/> how the model loads; the reference's when null.</param>
    /// <param name="cancellationToken">Cancels a Hub download; what arrived is resumed next time.</param>
    /// <returns>The filter.</returns>
    public static ClipZeroShotFilter FromPretrained(string nameOrPath, ClipZeroShotOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ClipZeroShotOptions();
        return Load(nameOrPath, options, options.Model?.Logger, cancellationToken);
    }

    /// <summary>As <see cref="FromPretrained"/>, with the logger DI gives.</summary>
    internal static ClipZeroShotFilter Load(string nameOrPath, ClipZeroShotOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        OptionsValidation.ThrowIfInvalid(new ClipZeroShotOptionsValidator(), options);
        OptionsValidation.ThrowIfInvalid(new ClipModelOptionsValidator(), options.Model);
        string folder = ClipHub.Resolve(nameOrPath, options.Model, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        ClipTokenizer tokenizer = ClipTokenizer.FromFolder(folder);
        ClipModel model = ClipModel.LoadFolder(folder, options.Model, logger ?? NullLogger.Instance);
        try
        {
            return new ClipZeroShotFilter(model, tokenizer, options, logger, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Scores images against one category. With <see cref="ClipZeroShotOptions.RejectIfOtherCategoryWinsBy"/> set,
    /// an image another category wins by more than that margin scores <see cref="float.NegativeInfinity"/>.
    /// </summary>
    /// <param name="images"><c>uint8 [3,H,W]</c> RGB images, or <c>[4,H,W]</c> RGBA cut-outs (scored on white where alpha &lt;= 128).</param>
    /// <param name="category">The category the images should show.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One score per image.</returns>
    public float[] Score(IReadOnlyList<Tensor> images, CategoryInfo category, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(category);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Options.RejectIfOtherCategoryWinsBy is not { } margin)
        {
            using var scope = NewDisposeScope();
            Tensor text = TextEmbeddings([category]);
            return Score(images, text, cancellationToken).select(1, 0).data<float>().ToArray();
        }

        IReadOnlyList<CategoryInfo> universe = Options.Categories!;
        var competitors = universe.Where(c => c.Id != category.Id).ToList();
        using (var scope = NewDisposeScope())
        {
            Tensor text = TextEmbeddings([category, .. competitors]);
            Tensor all = Score(images, text, cancellationToken);
            Tensor own = all.select(1, 0);
            if (competitors.Count == 0)
            {
                return own.data<float>().ToArray();
            }

            Tensor best = all.narrow(1, 1, competitors.Count).amax([1]);
            Tensor rejected = (best - own).gt(margin);
            float[] scores = where(rejected, float.NegativeInfinity, own).data<float>().ToArray();
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                int count = (int)rejected.sum().item<long>();
                ClipLog.Rejected(_logger, count, images.Count, category.Name);
            }

            return scores;
        }
    }

    /// <summary>Scores every image against every category (zero-shot classification logits).</summary>
    /// <param name="images">As for <see cref="Score(IReadOnlyList{Tensor}, CategoryInfo, CancellationToken)"/>.</param>
    /// <param name="categories">The categories (K of them).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns><c>float32 [N,K]</c> scores on the CPU; the caller owns them.</returns>
    public Tensor ScoreAll(IReadOnlyList<Tensor> images, IReadOnlyList<CategoryInfo> categories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(categories);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        Tensor scores = Score(images, TextEmbeddings(categories), cancellationToken);
        return scores.MoveToOuterDisposeScope();
    }

    /// <summary>The reference's decision with this filter's <see cref="ClipZeroShotOptions.MinScore"/> and <see cref="ClipZeroShotOptions.Tolerance"/>.</summary>
    /// <param name="scores">Every score of one category.</param>
    /// <returns>One keep flag per score.</returns>
    public bool[] Decide(IReadOnlyList<float> scores) => Decide(scores, Options.MinScore, Options.Tolerance);

    /// <summary>The reference's threshold: <c>min(MinScore, best score - Tolerance)</c>; null for no scores.</summary>
    /// <param name="scores">Every score of the category.</param>
    /// <returns>The threshold, or null.</returns>
    public double? KeepThreshold(IReadOnlyList<float> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return scores.Count == 0 ? null : Math.Min(Options.MinScore, scores.Max() - Options.Tolerance);
    }

    /// <summary>
    /// The X-Paste decision: keep a score when it is at least <c>min(minScore, best - tolerance)</c>, where best is the
    /// highest finite score of the category. Non-finite scores (NaN, rejected images) are always dropped.
    /// </summary>
    /// <param name="scores">Every score of one category.</param>
    /// <param name="minScore">Scores this high are always kept (reference 21).</param>
    /// <param name="tolerance">Scores within this of the best are kept too (reference 1).</param>
    /// <returns>One keep flag per score.</returns>
    public static bool[] Decide(IReadOnlyList<float> scores, float minScore, float tolerance)
    {
        ArgumentNullException.ThrowIfNull(scores);
        float best = float.NegativeInfinity;
        foreach (float s in scores)
        {
            if (float.IsFinite(s) && s > best)
            {
                best = s;
            }
        }

        float threshold = Math.Min(minScore, best - tolerance);
        return scores.Select(s => float.IsFinite(s) && s >= threshold).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_cacheLock)
        {
            foreach (Tensor t in _textCache.Values)
            {
                t.Dispose();
            }

            _textCache.Clear();
        }

        if (_ownsModel)
        {
            Model.Dispose();
        }
    }

    // [N,K] logit-scaled cosine of the images against unit text embeddings [K,D].
    private Tensor Score(IReadOnlyList<Tensor> images, Tensor text, CancellationToken cancellationToken)
    {
        float scale = Model.LogitScale;
        return EmbedImages(images, features => (matmul(features, text.to(features.device).t()) * scale).cpu(), BatchCompleted, cancellationToken)
            ?? zeros(0, text.shape[0]);
    }

    /// <summary>
    /// The unit image embeddings <c>[n,D]</c> of each batch of <see cref="ClipZeroShotOptions.BatchSize"/> images (RGBA
    /// on white, as the filter scores them), handed to <paramref name="perBatch"/>; its results joined in order, on its
    /// device. Null for no images.
    /// </summary>
    internal Tensor? EmbedImages(IReadOnlyList<Tensor> images, Func<Tensor, Tensor> perBatch, Action<int>? batchCompleted, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (int start = 0; start < images.Count; start += Options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batchScope = NewDisposeScope();
            int count = Math.Min(Options.BatchSize, images.Count - start);
            var views = new Tensor[count];
            for (int i = 0; i < count; i++)
            {
                views[i] = ClipImageProcessor.ScoringView(images[start + i]);
            }

            Tensor pixels = _processor.Preprocess(views, Model.Device);
            Tensor features = Model.GetImageFeatures(pixels);
            features = features / features.norm(-1, keepdim: true);
            parts.Add(perBatch(features).MoveToOuterDisposeScope());
            batchCompleted?.Invoke(start + count);
        }

        return parts.Count == 0 ? null : cat(parts, 0).MoveToOuterDisposeScope();
    }

    // Unit text embeddings [K,D] on the model's device, one per category, each the normalised mean of its
    // normalised template embeddings; computed once per category name.
    private Tensor TextEmbeddings(IReadOnlyList<CategoryInfo> categories)
    {
        var rows = new Tensor[categories.Count];
        lock (_cacheLock)
        {
            var missing = categories.Select(c => c.Name).Where(n => !_textCache.ContainsKey(n)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                Embed(missing);
            }

            for (int k = 0; k < categories.Count; k++)
            {
                rows[k] = _textCache[categories[k].Name];
            }
        }

        return stack(rows, 0);
    }

    private void Embed(List<string> names)
    {
        int templates = Options.Templates.Count;
        const int chunk = 256;
        for (int start = 0; start < names.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            List<string> part = names.GetRange(start, Math.Min(chunk, names.Count - start));
            var prompts = part.SelectMany(n => Options.Templates.Select(t =>
                t.Replace(ClipZeroShotOptions.NamePlaceholder, n.Replace('_', ' '), StringComparison.Ordinal))).ToList();
            Tensor ids = _tokenizer.Tokenize(prompts);
            Tensor features = Model.GetTextFeatures(ids);
            features = features / features.norm(-1, keepdim: true);
            Tensor mean = features.view(part.Count, templates, -1).mean([1]);
            mean = mean / mean.norm(-1, keepdim: true);
            for (int i = 0; i < part.Count; i++)
            {
                // Cached for the filter's lifetime: outside every dispose scope, freed by Dispose.
                _textCache[part[i]] = mean[i].clone().DetachFromDisposeScope();
            }
        }

        ClipLog.TextEmbedded(_logger, names.Count, templates);
    }
}
