using System.Text.Json.Serialization;

namespace XPaste.Augment;

/// <summary>One decision of a plan: paste a pool instance, or objects of another dataset image.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(InstancePasteStep), "instance")]
[JsonDerivedType(typeof(ImagePasteStep), "image")]
public abstract record PasteStep;
