using Microsoft.Extensions.Logging;
using XPaste.Abstractions;
using XPaste.Bank;

namespace XPaste.Offline;

/// <summary>A budgeted run: generation of a category stops once its budget of instances is kept.</summary>
public sealed partial class BankRun
{
    /// <summary>
    /// Each category in turn: generate the next chunk of its images (as many as instances are still missing from the
    /// budget, rounded up to whole generator batches), extract them, and stop once the bank holds the budget or the
    /// category's <c>PerCategory</c> images are made. The pictures are those of an unbudgeted run (seed of image k fixed);
    /// the CLIP rule decides each chunk over that chunk's scores.
    /// </summary>
    private async Task RunWithinBudgetAsync(InstanceBank bank, IReadOnlyList<CategoryInfo> categories, int budget,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        int generated = 0, perCategory = _generator!.PerCategory, batch = _generator.BatchSize;
        foreach (CategoryInfo category in categories)
        {
            int asked = 0;
            while (true)
            {
                int kept = bank.CategoryCounts.GetValueOrDefault(category.Id);
                if (kept >= budget || asked >= perCategory)
                {
                    break;
                }

                int missing = budget - kept;
                asked = Math.Min(perCategory, asked + ((missing + batch - 1) / batch * batch));
                generated += _generator.RunCategory(_options.ImagesRoot, category, asked, progress, cancellationToken).Generated;
                await _extraction.RunAsync(Source([category]), bank, progress, cancellationToken).ConfigureAwait(false);
            }

            int keptNow = bank.CategoryCounts.GetValueOrDefault(category.Id);
            BankRunLog.CategoryBudget(_logger, category.Name, keptNow, budget, asked);
        }

        BankRunLog.Generated(_logger, _options.Shard, generated, 0);
    }
}

internal static partial class BankRunLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Category}: {Kept} instances kept of a budget of {Budget}, from its first {Images} images")]
    public static partial void CategoryBudget(ILogger logger, string category, int kept, int budget, int images);
}
