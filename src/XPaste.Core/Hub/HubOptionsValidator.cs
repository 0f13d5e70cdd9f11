using Microsoft.Extensions.Options;

namespace XPaste.Hub;

/// <summary>Checks <see cref="HubOptions"/>.</summary>
internal sealed class HubOptionsValidator : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            problems.Add($"Endpoint '{options.Endpoint}' is not an http(s) URL");
        }

        if (options.MaxAttempts < 1)
        {
            problems.Add($"MaxAttempts must be at least 1, got {options.MaxAttempts}");
        }

        return OptionsValidation.Result(problems);
    }
}
