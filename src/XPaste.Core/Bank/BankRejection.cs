namespace XPaste.Bank;

/// <summary>
/// A source that was processed but gave no instance (empty mask, filtered out by CLIP, too small...). The bank keeps
/// these so that a resumed run does not process the source again.
/// </summary>
/// <param name="Source">The source key, as <see cref="BankInstance.Source"/> would have been.</param>
/// <param name="Reason">Why it was rejected, in a few words.</param>
/// <param name="Extractor">The extractor involved, if any.</param>
public sealed record BankRejection(string Source, string Reason, string? Extractor = null);
