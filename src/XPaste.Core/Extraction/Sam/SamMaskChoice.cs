namespace XPaste.Extraction;

/// <summary>What <see cref="SamExtractor"/> does with SAM's three multimask outputs.</summary>
public enum SamMaskChoice
{
    /// <summary>Keep the mask with the highest predicted IoU (the reference's choice): one candidate named <c>sam</c>.</summary>
    HighestIou = 0,

    /// <summary>
    /// Hand all three to the selector: <see cref="SamExtractor.Candidates"/> gives three extractors named <c>sam-0</c>,
    /// <c>sam-1</c> and <c>sam-2</c> (the multimask outputs in transformers' order) that share one model run per image.
    /// </summary>
    All = 1,
}
