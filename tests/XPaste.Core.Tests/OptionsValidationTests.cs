using Microsoft.Extensions.Options;
using XPaste.Bank;
using XPaste.Clip;
using XPaste.Coco;
using XPaste.Generation;
using XPaste.Generation.Categories;
using XPaste.Hub;
using XPaste.Extraction;
using XPaste.Imaging;
using XPaste.Offline;
using XPaste.Sources;
using XPaste.Yolo;

namespace XPaste.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Every_options_class_is_checked_by_its_validator_listing_every_problem()
    {
        Assert.Equal(3, Failures(new BankOptionsValidator(), new BankOptions { CommitEvery = 0, MaxSegments = 0, EncodeParallelism = 0 }).Count);
        Assert.Equal(3, Failures(new OfflinePipelineOptionsValidator(), new OfflinePipelineOptions { BatchSize = 0, Selection = null!, PerCategoryBudget = 0 }).Count);
        Assert.Equal(3, Failures(new U2NetExtractorOptionsValidator(), new U2NetExtractorOptions { InputSize = 4, SideOutput = -1, BatchSize = 0 }).Count);
        Assert.Single(Failures(new DatasetSourceOptionsValidator(), new DatasetSourceOptions { MinArea = double.NaN }));
        Assert.Equal(2, Failures(new PlainBackgroundOptionsValidator(), new PlainBackgroundOptions { BorderFraction = 0.5, NoiseFactor = -1 }).Count);
        Assert.Empty(Failures(new BankOptionsValidator(), BankOptions.Default));
        Assert.Empty(Failures(new PlainBackgroundOptionsValidator(), new PlainBackgroundOptions()));
        Assert.Equal(4, Failures(new ClipSegExtractorOptionsValidator(), new ClipSegExtractorOptions { PromptTemplate = "x", InputSize = 0, Std = [1f], BatchSize = 0 }).Count);
        Assert.Equal(2, Failures(new StableDiffusionLoadOptionsValidator(), new StableDiffusionLoadOptions { Variant = "../fp16", Revision = " " }).Count);
        Assert.Equal(3, Failures(new CategoryGenerationOptionsValidator(), new CategoryGenerationOptions { PerCategory = 0, BatchSize = 0, PromptTemplate = "x" }).Count);
        Assert.Equal(2, Failures(new ClipModelOptionsValidator(), new ClipModelOptions { Precision = (ClipPrecision)7, Revision = "" }).Count);
        Assert.Empty(Failures(new ClipSegExtractorOptionsValidator(), ClipSegExtractorOptions.Default));
        Assert.Empty(Failures(new StableDiffusionLoadOptionsValidator(), StableDiffusionLoadOptions.Default));
        Assert.Equal(2, Failures(new ImageLoadOptionsValidator(), new ImageLoadOptions { MaxPixels = 0, Channels = (ImageChannels)9 }).Count);
        Assert.Single(Failures(new CocoLoadOptionsValidator(), new CocoLoadOptions { InvalidAnnotations = (InvalidAnnotationHandling)9 }));
        Assert.Equal(3, Failures(new FolderSourceOptionsValidator(), new FolderSourceOptions { Extensions = ["png"], OriginRelativeTo = " ", Load = new() { MaxPixels = 0 } }).Count);
        Assert.Contains("Load.MaxPixels", Assert.Single(Failures(new DatasetSourceOptionsValidator(), new DatasetSourceOptions { Load = new() { MaxPixels = -1 } })), StringComparison.Ordinal);
        Assert.Empty(Failures(new ImageLoadOptionsValidator(), ImageLoadOptions.Default));
        Assert.Empty(Failures(new CocoLoadOptionsValidator(), CocoLoadOptions.Default));
        Assert.Empty(Failures(new FolderSourceOptionsValidator(), new FolderSourceOptions()));
        Assert.Equal(2, Failures(new HubOptionsValidator(), new HubOptions { Endpoint = "ftp://hub", MaxAttempts = 0 }).Count);
        Assert.Equal(3, Failures(new ClipImageProcessorOptionsValidator(), new ClipImageProcessorOptions { CropSize = 300, Mean = [0.5f], Std = [1f, 0f, 1f] }).Count);
        Assert.Single(Failures(new YoloLoadOptionsValidator(), new YoloLoadOptions { Split = "training" }));
        Assert.Equal(3, Failures(new StableDiffusionGeneratorOptionsValidator(), new StableDiffusionGeneratorOptions { Width = 100, Height = 0, Steps = 0 }).Count);
        Assert.Empty(Failures(new HubOptionsValidator(), new HubOptions { Endpoint = "https://huggingface.co" }));
        Assert.Empty(Failures(new ClipImageProcessorOptionsValidator(), ClipImageProcessorOptions.Default));
        Assert.Empty(Failures(new YoloLoadOptionsValidator(), YoloLoadOptions.Default));
        Assert.Empty(Failures(new StableDiffusionGeneratorOptionsValidator(), new StableDiffusionGeneratorOptions()));
    }

    [Fact]
    public void Invalid_options_are_refused_the_same_way_by_the_components_that_take_them()
    {
        using var temp = new TempFolder();
        var ex = Assert.Throws<OptionsValidationException>(() => InstanceBank.Create(temp.File("bank"), new BankOptions { CommitEvery = 0 }));
        Assert.Equal(typeof(BankOptions), ex.OptionsType);
        Assert.Contains("CommitEvery", Assert.Single(ex.Failures), StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(() => new PlainBackgroundExtractor(new PlainBackgroundOptions { RampWidth = 0 }));
        Assert.Throws<OptionsValidationException>(() => U2NetExtractor.FromPretrained(TestFiles.Data("u2netp", "model.safetensors"), new U2NetExtractorOptions { BatchSize = 0 }));
        Assert.Throws<OptionsValidationException>(() => StableDiffusionModels.FromPretrained("/no/such/model", new StableDiffusionLoadOptions { Variant = "" }));
        Assert.Throws<OptionsValidationException>(() => ImageIO.Decode([1, 2, 3], "bytes", new ImageLoadOptions { MaxPixels = 0 }));
        Assert.Throws<OptionsValidationException>(() => CocoDataset.Parse("{}"u8, "json", new CocoLoadOptions { InvalidAnnotations = (InvalidAnnotationHandling)9 }));
        Assert.Throws<OptionsValidationException>(() => new FolderInstanceSource(temp.Path, [], new FolderSourceOptions { Extensions = [] }));
        Assert.Throws<OptionsValidationException>(() => new ModelStore(new HubOptions { MaxAttempts = 0 }));
        Assert.Throws<OptionsValidationException>(() => YoloDataset.Load(temp.Path, new YoloLoadOptions { Split = "training" }));
    }

    private static List<string> Failures<T>(IValidateOptions<T> validator, T options)
        where T : class
    {
        ValidateOptionsResult result = validator.Validate(Options.DefaultName, options);
        return result.Failed ? [.. result.Failures] : [];
    }
}
