using XPaste.Abstractions;
using static TorchSharp.torch;

namespace XPaste.Bank;

/// <summary>A cut-out to add to an <see cref="InstanceBank"/> with <see cref="InstanceBank.AddRange"/>. The bank does not take ownership of <see cref="Rgba"/>.</summary>
/// <param name="Rgba"><c>uint8</c> <c>[4,H,W]</c> RGBA pixels, already cropped; on any device.</param>
/// <param name="Category">The category it shows.</param>
/// <param name="Source">The stable key of what it was made from (see <see cref="BankInstance.Source"/>).</param>
/// <param name="Extractor">What made the mask (see <see cref="BankInstance.Extractor"/>).</param>
/// <param name="ClipScore">The zero-shot filter's score, or null.</param>
/// <param name="Origin">Where the pixels came from in human terms, or null.</param>
/// <param name="RunnerUpScores">The zero-shot scores of the other extractors' masks that lost to this one, by extractor name, or null.</param>
public sealed record NewBankInstance(Tensor Rgba, CategoryInfo Category, string Source, string Extractor, float? ClipScore = null, string? Origin = null,
    IReadOnlyDictionary<string, float>? RunnerUpScores = null);
