// How a TorchSharp training loop uses XPaste: register the pipeline with DI, build the instance bank once (the
// offline stage), then pull augmented batches from a prefetching augmenter every step and train a small model on
// them: per-pixel classes from the batch's masks and labels, pasted objects weighted through IsPasted.
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TorchSharp;
using XPaste.Augment;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Offline;
using XPaste.Sources;
using XPaste.TrainingLoop;
using static TorchSharp.torch;

TrainingArguments a;
try
{
    a = TrainingArguments.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(TrainingArguments.Usage);
    return 2;
}

if (a.Device.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
{
    Console.Error.WriteLine($"error: --device {a.Device}: CUDA is not available here (no GPU, or a CPU-only TorchSharp backend)");
    return 2;
}

string data = Path.Combine(AppContext.BaseDirectory, "data");
string annotations = Path.Combine(data, "instances.json");
string images = Path.Combine(data, "images");
string bankFolder = Path.Combine(a.Out, "training-bank");

// The dataset (coin, horse) and the objects to paste (person, cat, cup, rocket, cut from the bundled photos):
// the bank's categories are matched to the dataset's by name and the missing ones added after its highest id.
CocoDataset coco = CocoDataset.Load(annotations);
var services = new ServiceCollection();
services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
services.AddSingleton(_ => InstanceBank.OpenOrCreate(bankFolder));
services.AddSingleton(sp => CategoryMapping.Create(sp.GetRequiredService<InstanceBank>().Categories, bankFolder, coco.Categories,
    annotations, new CategoryMappingOptions { Missing = MissingCategoryHandling.Add }));
services.AddXPaste(options =>
    {
        options.Seed = 2026;        // every batch can be replayed from this seed
        options.BatchSize = 3;
        options.Device = a.Device;  // where the paste kernel runs and the batches live (default cpu)
        options.Jitter.OutputWidth = options.Jitter.OutputHeight = a.Size;
    })
    // Offline stage: real objects; add extractors and a CLIP filter for generated or crawled images.
    .AddSource(_ => DatasetInstanceSource.LoadAsync(Path.Combine(data, "objects.json"), images).GetAwaiter().GetResult())
    // Online stage: what to paste (bank ids mapped to the dataset's), onto which images, at which sizes.
    .UseInstancePool(sp => new CategoryMappedPool(new InstanceBankPool(sp.GetRequiredService<InstanceBank>()), sp.GetRequiredService<CategoryMapping>()))
    .UseDataset(new CocoImageSource(coco, images))
    .UseSizeStatistics(CategorySizeStatistics.Compute(coco))
    .UseXPastePolicy(x => x.MaxCount = 10);

using ServiceProvider provider = services.BuildServiceProvider();
provider.GetRequiredService<IStartupValidator>().Validate(); // what a host does at start (ValidateOnStart)

InstanceBank bank = provider.GetRequiredService<InstanceBank>();
OfflineResult built = await provider.GetRequiredService<XPasteOfflineComponents>().BuildBankAsync(bank);
bank.Flush();
Console.WriteLine($"bank {bankFolder}: {built.Added} added, {built.Skipped} already there; {bank.Count} instances");

// Labels are dataset category ids (here 1..2, then 3..6 added for the bank); the model wants 0..C-1.
CategoryMapping mapping = provider.GetRequiredService<CategoryMapping>();
ClassIndexMap classes = ClassIndexMap.Create(coco, mapping, firstIndex: 1); // 0 is the background
Console.WriteLine($"classes: 0 background, {string.Join(", ", classes.Categories.Select(c => $"{classes.ToIndex(c.Id)} {c.Name} (id {c.Id})"))}");

XPasteAugmenter augmenter = provider.GetRequiredService<XPasteAugmenter>();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

Device device = torch.device(a.Device);
random.manual_seed(2026); // the model's initial weights
using var model = new PixelClassHead(classes.NumClasses, TrainingArguments.Stride);
model.to(device);
using optim.Optimizer optimizer = optim.Adam(model.parameters(), lr: 0.003);

double firstLoss = double.NaN;
double lastLoss = double.NaN;
for (int epoch = 0; epoch < a.Epochs; epoch++)
{
    double lossSum = 0;
    int batches = 0, pictures = 0;
    long objects = 0, pasted = 0;
    // Batches are prepared on a background thread while the model trains on the previous one.
    await foreach (AugmentedBatch batch in augmenter.ReadEpochAsync(epoch, cancel.Token))
    {
        using (batch)
        using (NewDisposeScope())
        {
            Tensor x = batch.ImagesAsFloat().to(device);                  // [B,3,H,W] float32 in [0,1], not normalised
            (Tensor targets, Tensor weights) = PixelTargets.Build(batch.Targets, classes, TrainingArguments.Stride, a.PastedWeight, device);
            Tensor perPixel = nn.functional.cross_entropy(model.forward(x), targets, reduction: nn.Reduction.None);
            Tensor loss = (perPixel * weights).sum() / weights.sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();

            lossSum += loss.item<float>();
            batches++;
            pictures += batch.Count;
            objects += batch.Targets.Sum(t => (long)t.Count);
            pasted += batch.Targets.Sum(t => t.IsPasted.sum().item<long>());
        }
    }

    // One finished line per epoch: reads the same in a terminal and in a log file.
    double mean = lossSum / Math.Max(1, batches);
    firstLoss = epoch == 0 ? mean : firstLoss;
    lastLoss = mean;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch + 1}/{a.Epochs}: loss {mean:F4} ({batches} batches, {pictures} images, {objects} objects, {pasted} pasted)"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {a.Epochs} epochs on {a.Device}: loss {firstLoss:F4} -> {lastLoss:F4}"));
return 0;
