using Microsoft.Extensions.Options;
using XPaste.Augment;

namespace XPaste.Tests.Output;

/// <summary>The output settings are checked by their validators, every problem listed, before anything is written.</summary>
public sealed class OutputOptionsValidationTests
{
    [Fact]
    public void Each_output_validator_lists_every_problem_and_passes_the_defaults()
    {
        Assert.Equal(3, Failures(new CocoPasteWriterOptionsValidator(), new CocoPasteWriterOptions { JpegQuality = 0, ImagesFolderName = "../x", Format = (AugmentedImageFormat)5 }).Count);
        Assert.Equal(3, Failures(new PreviewMosaicOptionsValidator(), new PreviewMosaicOptions { Columns = 0, TileSize = 31, MaxImages = 0 }).Count);
        Assert.Equal(2, Failures(new PhotometricMatchingOptionsValidator(), new PhotometricMatchingOptions { Strength = 2, MinGain = 3, MaxGain = 1 }).Count);

        List<string> run = Failures(new AugmentRunOptionsValidator(), new AugmentRunOptions { Count = 0, Writer = new() { JpegQuality = 101 }, PreviewTileSize = 8 });
        Assert.Equal(3, run.Count);
        Assert.Contains(run, f => f.StartsWith("Writer.JpegQuality", StringComparison.Ordinal));
        Assert.Contains(run, f => f.StartsWith("PreviewTileSize", StringComparison.Ordinal));

        Assert.Empty(Failures(new CocoPasteWriterOptionsValidator(), new CocoPasteWriterOptions()));
        Assert.Empty(Failures(new PreviewMosaicOptionsValidator(), new PreviewMosaicOptions()));
        Assert.Empty(Failures(new PhotometricMatchingOptionsValidator(), new PhotometricMatchingOptions()));
        Assert.Empty(Failures(new AugmentRunOptionsValidator(), new AugmentRunOptions()));
    }

    [Fact]
    public void The_writer_refuses_bad_settings_and_the_kernel_names_photometric_problems_under_their_setting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => new CocoPasteWriter("out", [], new CocoPasteWriterOptions { JpegQuality = 0 }));
        Assert.Equal(typeof(CocoPasteWriterOptions), ex.OptionsType);

        List<string> kernel = Failures(new PasteKernelOptionsValidator(), new PasteKernelOptions { PhotometricMatching = new() { Strength = -1 } });
        Assert.StartsWith("PhotometricMatching.Strength", Assert.Single(kernel), StringComparison.Ordinal);
    }

    private static List<string> Failures<T>(IValidateOptions<T> validator, T options)
        where T : class
    {
        ValidateOptionsResult result = validator.Validate(Options.DefaultName, options);
        return result.Failed ? [.. result.Failures] : [];
    }
}
