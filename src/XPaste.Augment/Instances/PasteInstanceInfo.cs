namespace XPaste.Augment;

/// <summary>What a policy knows about one pool instance.</summary>
/// <param name="Id">A stable id (the bank's instance id, a file name): logged in plans and checked on replay.</param>
/// <param name="CategoryId">The dataset category the instance shows.</param>
/// <param name="Width">Width of the cut-out in pixels.</param>
/// <param name="Height">Height of the cut-out in pixels.</param>
public sealed record PasteInstanceInfo(string Id, int CategoryId, int Width, int Height);
