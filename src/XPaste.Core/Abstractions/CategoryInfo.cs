namespace XPaste.Abstractions;

/// <summary>A category as X-Paste needs it: the dataset's id and its name (LVIS <c>name</c>, e.g. <c>traffic_light</c>).</summary>
/// <param name="Id">The category id in the dataset.</param>
/// <param name="Name">The category name as the dataset writes it; underscores are turned into spaces for prompts.</param>
public sealed record CategoryInfo(int Id, string Name)
{
    /// <summary>The name with underscores turned into spaces, as the reference writes it into prompts.</summary>
    public string PromptName => Name.Replace('_', ' ');
}
