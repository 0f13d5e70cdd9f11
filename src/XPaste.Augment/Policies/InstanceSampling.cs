namespace XPaste.Augment;

/// <summary>How the X-Paste policy picks instances from the pool.</summary>
public enum InstanceSampling
{
    /// <summary>The reference's <c>cas_random</c>: a category uniformly among those with instances, then an instance uniformly within it.</summary>
    ClassBalanced,

    /// <summary>An instance uniformly over the whole pool.</summary>
    Uniform,
}
