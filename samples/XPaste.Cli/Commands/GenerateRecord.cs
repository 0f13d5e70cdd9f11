using System.Globalization;
using System.Text.Json;
using XPaste.Generation;

namespace XPaste.Cli.Commands;

/// <summary>
/// What a plain <c>generate</c> (a prompt, no category list) made in its folder, <c>{out}/.xpaste-prompt.json</c>: the
/// settings that decide the pictures (model name, variant, prompt, sampler, size, seed; not the count or batch). A
/// rerun with the same settings fills in or finds complete; other settings are refused by name, never mixed in.
/// </summary>
internal static class GenerateRecord
{
    public const string FileName = ".xpaste-prompt.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The settings of this command line, as recorded.</summary>
    public static SortedDictionary<string, string> Of(string model, string? variant, string prompt, StableDiffusionGeneratorOptions options, long seed) => new(StringComparer.Ordinal)
    {
        // The folder or file name, not the path: the same model mounted elsewhere is the same model.
        ["model"] = Directory.Exists(model) || File.Exists(model) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model))) : model,
        ["variant"] = variant ?? "",
        ["prompt"] = prompt,
        ["negative_prompt"] = options.NegativePrompt,
        ["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
        ["guidance"] = options.GuidanceScale.ToString(CultureInfo.InvariantCulture),
        ["scheduler"] = options.Scheduler.ToString().ToLowerInvariant(),
        ["width"] = options.Width?.ToString(CultureInfo.InvariantCulture) ?? "model default",
        ["height"] = options.Height?.ToString(CultureInfo.InvariantCulture) ?? "model default",
        ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Refuses a folder whose record holds other settings, or that holds numbered images but no record (not this
    /// command's output).
    /// </summary>
    /// <returns>True when the folder has no record yet (write it with <see cref="Write"/> once the model has loaded).</returns>
    /// <exception cref="InvalidInputException">The folder was made with other settings, or by something else.</exception>
    public static bool Check(string output, IReadOnlyDictionary<string, string> settings, bool anyImage)
    {
        string path = Path.Combine(output, FileName);
        if (File.Exists(path))
        {
            Dictionary<string, string>? recorded;
            try
            {
                recorded = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
            }
            catch (JsonException ex)
            {
                throw new InvalidInputException(path, $"not a generate record ({ex.Message}); delete it or use another --out", ex);
            }

            foreach ((string key, string value) in settings)
            {
                string? before = recorded?.GetValueOrDefault(key);
                if (before != value)
                {
                    throw new InvalidInputException(output,
                        $"its images were made with {key} = '{before}', this run has '{value}'; use another --out, or delete the folder to start over");
                }
            }

            return false;
        }

        if (anyImage)
        {
            throw new InvalidInputException(output, $"holds numbered images but no {FileName}, so their settings are unknown; use another --out");
        }

        return true;
    }

    /// <summary>Writes the record (before the first image, so every image in the folder has one).</summary>
    public static void Write(string output, IReadOnlyDictionary<string, string> settings)
    {
        string path = Path.Combine(output, FileName);

        // A temporary file, then a rename: a killed run leaves the whole record or none.
        Directory.CreateDirectory(output);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(settings, Indented));
        File.Move(temp, path, overwrite: true);
    }
}
