using System.Text.Json.Serialization;

namespace XPaste.Augment;

/// <summary>One decision of a plan: paste a pool instance, or objects of another dataset image.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(InstancePasteStep), "instance")]
[JsonDerivedType(typeof(ImagePasteStep), "image")]
public abstract record PasteStep;

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

/// <summary>
/// Paste objects of another annotated image (Simple Copy-Paste): jitter that image to the destination's size, then
/// paste the chosen objects where they are, together.
/// </summary>
/// <param name="Image">The source image's index in the dataset.</param>
/// <param name="ImageId">The source image's id (checked on replay).</param>
/// <param name="Jitter">The source's own jitter, whose output size is the destination's.</param>
/// <param name="Objects">Indices of the chosen objects among the source's objects, in paste order.</param>
public sealed record ImagePasteStep(int Image, string ImageId, JitterPlan Jitter, IReadOnlyList<int> Objects) : PasteStep;
