using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace XPaste.IO;

/// <summary>
/// Settings files of resumable offline runs (a generation folder, a bank run's shard): every setting that changes the
/// output, compared when a run resumes or shards are merged so outputs of different settings never mix.
/// </summary>
internal static class RunSettings
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A short hash of the settings (16 hex digits of SHA-256 over the sorted name=value lines).</summary>
    public static string Hash(IReadOnlyDictionary<string, string> settings)
    {
        var text = new StringBuilder();
        foreach ((string key, string value) in settings.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>
    /// Writes the settings when the folder has none; otherwise compares them and throws naming the first setting that
    /// differs, unless <paramref name="startOver"/>, which records the new settings. <paramref name="what"/> names the
    /// outputs in the message.
    /// </summary>
    public static void CheckOrWrite(string path, IReadOnlyDictionary<string, string> settings, bool startOver, string what = "the images there")
    {
        if (File.Exists(path))
        {
            Dictionary<string, string>? existing;
            try
            {
                existing = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
            }
            catch (JsonException ex)
            {
                throw new InvalidInputException(path, $"not a generation settings file: {ex.Message}", ex);
            }

            existing ??= [];
            string? differing = FirstDifference(existing, settings);
            if (differing is null)
            {
                return;
            }

            if (!startOver)
            {
                throw Conflict(path, differing, existing.GetValueOrDefault(differing), settings.GetValueOrDefault(differing), what);
            }
        }

        var sorted = new SortedDictionary<string, string>(settings.ToDictionary(), StringComparer.Ordinal);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(sorted, Indented));
    }

    /// <summary>The refusal of a run whose setting <paramref name="key"/> is <paramref name="now"/> where <paramref name="path"/> records <paramref name="was"/>.</summary>
    public static RunSettingsConflictException Conflict(string path, string key, string? was, string? now, string what = "the images there") =>
        new(path, key, $"{what} were made with {key} = {Show(was)}, this run has {Show(now)}; use another output folder, or start over (--start-over) to make them again");

    /// <summary>The first setting (by name) whose value differs between the two, or null when they are equal.</summary>
    public static string? FirstDifference(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Keys.Concat(b.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .FirstOrDefault(key => !string.Equals(a.GetValueOrDefault(key), b.GetValueOrDefault(key), StringComparison.Ordinal));

    /// <summary>A value for a message: quoted, or <c>(not set)</c>.</summary>
    public static string Show(string? value) => value is null ? "(not set)" : $"'{value}'";
}
