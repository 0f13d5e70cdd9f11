using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace XPaste.Generation.Categories;

/// <summary>
/// Prompt lists per category (<see cref="CategoryGenerationOptions.Prompts"/>), read from a JSON object mapping a
/// category name to a list of prompts or templates: <c>{"cat": ["a photo of a single {name}", "a {name} on grass"]}</c>.
/// </summary>
public static class PromptLists
{
    /// <summary>Reads a prompts file.</summary>
    /// <param name="path">The JSON file.</param>
    /// <returns>The lists by category name.</returns>
    /// <exception cref="InvalidInputException">The file is not a JSON object of non-empty string lists.</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Dictionary<string, List<string>>? lists;
        try
        {
            lists = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException(path, $"not a prompts file (a JSON object: category name -> list of prompts): {ex.Message}", ex);
        }

        if (lists is null || lists.Count == 0)
        {
            throw new InvalidInputException(path, "no category has prompts");
        }

        foreach ((string name, List<string> prompts) in lists)
        {
            if (prompts is null || prompts.Count == 0 || prompts.Any(string.IsNullOrWhiteSpace))
            {
                throw new InvalidInputException(path, $"the prompts of '{name}' are empty or hold an empty prompt");
            }
        }

        return lists.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
    }

    /// <summary>A short hash of the lists (16 hex digits of SHA-256 over their sorted JSON), recorded as the <c>prompts</c> setting.</summary>
    /// <param name="prompts">The lists.</param>
    /// <returns>The hash.</returns>
    public static string Hash(IReadOnlyDictionary<string, IReadOnlyList<string>> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var sorted = new SortedDictionary<string, IReadOnlyList<string>>(prompts.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(sorted))))[..16];
    }
}
