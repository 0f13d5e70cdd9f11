namespace XPaste.Augment;

/// <summary>Paste one pool instance, resized to <c>Width x Height</c>, with its top-left corner at (X, Y).</summary>
/// <param name="Instance">The instance's index in the pool.</param>
/// <param name="InstanceId">The instance's id (checked on replay).</param>
/// <param name="CategoryId">The instance's category.</param>
/// <param name="X">Left edge in the destination (may be negative; what falls outside is clipped).</param>
/// <param name="Y">Top edge in the destination.</param>
/// <param name="Width">Width after resizing.</param>
/// <param name="Height">Height after resizing.</param>
/// <param name="Flip">Mirror left-right.</param>
public sealed record InstancePasteStep(int Instance, string InstanceId, int CategoryId, int X, int Y, int Width, int Height, bool Flip) : PasteStep;
