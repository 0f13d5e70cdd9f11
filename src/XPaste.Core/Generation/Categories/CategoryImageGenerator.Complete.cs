using System.Globalization;
using System.Text.Json;
using XPaste.IO;

namespace XPaste.Generation.Categories;

/// <summary>Recognising a finished one-prompt folder before any model loads.</summary>
public sealed partial class CategoryImageGenerator
{
    /// <summary>
    /// Whether <paramref name="outputFolder"/> already holds every image of a <see cref="RunPrompt"/> run with these
    /// settings, decided from the folder's settings record and files alone, so a rerun of a finished run needs no model.
    /// Every image <c>0..count-1</c> must be there, decode at the recorded size and carry the recorded settings in its
    /// metadata line.
    /// </summary>
    /// <param name="outputFolder">The folder of the run.</param>
    /// <param name="prompt">The prompt.</param>
    /// <param name="seed">The seed of image 0 (<see cref="CategoryGenerationOptions.Seed"/>).</param>
    /// <param name="count">How many images the run has.</param>
    /// <param name="knownSettings">
    /// The generator settings known without loading the model (<see cref="ITextToImageGenerator.Settings"/> names: model,
    /// steps, guidance, size when given...): a value must equal the recorded one, a null value must not be recorded. Settings
    /// left out depend on the model (weights hash, dtype, its default size or scheduler) and are taken as recorded; they
    /// are checked whenever images are made.
    /// </param>
    /// <param name="startOver">When a setting differs: false (the run makes the images again) instead of refusing.</param>
    /// <returns>True when there is nothing to make.</returns>
    /// <exception cref="RunSettingsConflictException">A known setting (or the prompt or seed) differs from the record, and not <paramref name="startOver"/>.</exception>
    public static bool IsPromptRunComplete(string outputFolder, string prompt, long seed, int count, IReadOnlyDictionary<string, string?> knownSettings,
        bool startOver = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        ArgumentNullException.ThrowIfNull(knownSettings);
        string path = Path.Combine(outputFolder, SettingsFileName);
        Dictionary<string, string>? recorded;
        try
        {
            recorded = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            // The run itself reports an unreadable record, with the model loaded.
            return false;
        }

        if (recorded is null)
        {
            return false;
        }

        var expected = new Dictionary<string, string?>(knownSettings, StringComparer.Ordinal)
        {
            ["prompt"] = prompt,
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach ((string key, string? value) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string? was = recorded.GetValueOrDefault(key);
            if (string.Equals(was, value, StringComparison.Ordinal))
            {
                continue;
            }

            return startOver ? false : throw RunSettings.Conflict(path, key, was, value);
        }

        return AllImagesThere(outputFolder, count, recorded);
    }

    private static bool AllImagesThere(string folder, int count, Dictionary<string, string> recorded)
    {
        if (!int.TryParse(recorded.GetValueOrDefault("width"), CultureInfo.InvariantCulture, out int width)
            || !int.TryParse(recorded.GetValueOrDefault("height"), CultureInfo.InvariantCulture, out int height))
        {
            return false;
        }

        string hash = RunSettings.Hash(recorded);
        CategoryMetadata metadata = CategoryMetadata.Load(Path.Combine(folder, MetadataFileName));
        for (int k = 0; k < count; k++)
        {
            string image = Path.Combine(folder, FileNameOf(k));
            if (metadata.SettingsHashOf(k) != hash || !IsReadable(image, width, height, logger: null))
            {
                return false;
            }
        }

        return true;
    }
}
