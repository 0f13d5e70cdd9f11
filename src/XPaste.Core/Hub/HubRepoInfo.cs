namespace XPaste.Hub;

/// <summary>A repository revision as the Hub describes it.</summary>
/// <param name="RepoId">The repository, e.g. <c>openai/clip-vit-large-patch14</c>.</param>
/// <param name="Commit">The 40-character commit hash the revision resolves to.</param>
/// <param name="Files">Every file of the revision.</param>
public sealed record HubRepoInfo(string RepoId, string Commit, IReadOnlyList<HubFile> Files);
