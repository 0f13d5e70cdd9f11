// How a TorchSharp training loop uses XPaste: register the pipeline with DI, build the instance bank once
// (the offline stage), then pull augmented batches from a prefetching augmenter every step.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Offline;
using XPaste.Sources;
using static TorchSharp.torch;

string data = Path.Combine(AppContext.BaseDirectory, "data");
string annotations = Path.Combine(data, "instances.json");
string images = Path.Combine(data, "images");
string bankFolder = Path.Combine(args.Length > 0 ? args[0] : "xpaste-out", "training-bank");

CocoDataset coco = CocoDataset.Load(annotations);
var services = new ServiceCollection();
services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
services.AddSingleton(_ => InstanceBank.OpenOrCreate(bankFolder));
services.AddXPaste(options =>
    {
        options.Seed = 2026;        // every batch can be replayed from this seed
        options.BatchSize = 4;
        options.Jitter.OutputWidth = options.Jitter.OutputHeight = 384;
    })
    // Offline stage: here the dataset's own objects; add extractors and a CLIP filter for generated images.
    .AddSource(_ => DatasetInstanceSource.LoadAsync(annotations, images).GetAwaiter().GetResult())
    // Online stage: what to paste, onto which images, at which sizes.
    .UseInstancePool(sp => new InstanceBankPool(sp.GetRequiredService<InstanceBank>()))
    .UseDataset(new CocoImageSource(coco, images))
    .UseSizeStatistics(CategorySizeStatistics.Compute(coco))
    .UseXPastePolicy(x => x.MaxCount = 10);

using ServiceProvider provider = services.BuildServiceProvider();
provider.GetRequiredService<IStartupValidator>().Validate(); // what a host does at start (ValidateOnStart)

InstanceBank bank = provider.GetRequiredService<InstanceBank>();
OfflineResult built = await provider.GetRequiredService<XPasteOfflineComponents>().BuildBankAsync(bank);
bank.Flush();
Console.WriteLine($"bank {bankFolder}: {built.Added} added, {built.Skipped} already there; {bank.Count} instances");

XPasteAugmenter augmenter = provider.GetRequiredService<XPasteAugmenter>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

const int epochs = 2;
int batchesPerEpoch = (augmenter.Dataset!.Images.Count + augmenter.Options.BatchSize - 1) / augmenter.Options.BatchSize;
await AnsiConsole.Progress().StartAsync(async progress =>
{
    ProgressTask task = progress.AddTask("training", maxValue: epochs * batchesPerEpoch);
    for (int epoch = 0; epoch < epochs; epoch++)
    {
        // Batches are prepared on a background thread while the loop works on the previous one.
        await foreach (AugmentedBatch batch in augmenter.ReadEpochAsync(epoch, cancel.Token))
        {
            using (batch)
            using (NewDisposeScope())
            {
                Tensor x = batch.ImagesAsFloat();                 // [B,3,H,W] in [0,1]
                long objects = batch.Targets.Sum(t => (long)t.Count);
                long pasted = batch.Targets.Sum(t => t.IsPasted.sum().item<long>());
                // A real loop would run model(x), a detection/segmentation loss over batch.Targets
                // (Masks [N,H,W], Boxes [N,4] xyxy, Labels), backward() and an optimiser step here.
                double mean = x.mean().item<float>();
                task.Description = $"epoch {epoch}: {objects} objects ({pasted} pasted), mean {mean:F3}";
                task.Increment(1);
            }
        }
    }
});
Console.WriteLine("done");
