using Microsoft.Extensions.Options;
namespace XPaste.Extraction;

/// <summary>Options for <see cref="PlainBackgroundExtractor"/>. Colour distances are in 0-255 RGB units.</summary>
public sealed class PlainBackgroundOptions
{
    /// <summary>The shared default options.</summary>
    public static PlainBackgroundOptions Default { get; } = new();

    /// <summary>Width of the border strip the background is learnt from, as a fraction of the shorter side. Default 0.03.</summary>
    public double BorderFraction { get; init; } = 0.03;

    /// <summary>The border strip is at least this many pixels wide. Default 2.</summary>
    public int MinBorderPixels { get; init; } = 2;

    /// <summary>
    /// Model the background as a linear colour gradient over the image (a plane per channel, fitted to the border)
    /// rather than a single colour (the border's per-channel median). Default true.
    /// </summary>
    public bool FitGradient { get; init; } = true;

    /// <summary>
    /// Fraction of the border pixels closest to the current fit kept for the next fit, so that parts of the object
    /// touching the border do not pull the background towards it. Default 0.7.
    /// </summary>
    public double InlierFraction { get; init; } = 0.7;

    /// <summary>Refits of the background after the initial median. Default 2.</summary>
    public int FitIterations { get; init; } = 2;

    /// <summary>Radius of the box blur applied before measuring colour distances, against pixel noise; 0 for none. Default 1.</summary>
    public int SmoothingRadius { get; init; } = 1;

    /// <summary>A pixel closer than this to the background colour is background whatever the noise. Default 24.</summary>
    public float MinDistance { get; init; } = 24f;

    /// <summary>
    /// The background threshold is at least this many times the median distance of the border pixels from the
    /// fitted background (a robust noise level). Default 3.
    /// </summary>
    public float NoiseFactor { get; init; } = 3f;

    /// <summary>Width of the soft ramp from 0 to 255 above the threshold. Default 16.</summary>
    public float RampWidth { get; init; } = 16f;

    /// <summary>Radius of the morphological opening that removes specks (max-pool based, on the soft mask); 0 for none. Default 1.</summary>
    public int OpenRadius { get; init; } = 1;

    /// <summary>Radius of the morphological closing that fills cracks; 0 for none. Default 1.</summary>
    public int CloseRadius { get; init; } = 1;

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new PlainBackgroundOptionsValidator(), this);
}

/// <summary>Validates <see cref="PlainBackgroundOptions"/> (the <see cref="IValidateOptions{TOptions}"/> pattern: register it to check the options at start).</summary>
internal sealed class PlainBackgroundOptionsValidator : IValidateOptions<PlainBackgroundOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PlainBackgroundOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PlainBackgroundOptions o = options;
        var problems = new List<string>();
        if (!(o.BorderFraction is >= 0 and < 0.5))
        {
            problems.Add($"BorderFraction must be in [0, 0.5), got {o.BorderFraction}");
        }

        if (o.MinBorderPixels < 1)
        {
            problems.Add($"MinBorderPixels must be at least 1, got {o.MinBorderPixels}");
        }

        if (!(o.InlierFraction is > 0 and <= 1))
        {
            problems.Add($"InlierFraction must be in (0, 1], got {o.InlierFraction}");
        }

        foreach ((string property, double value) in new (string, double)[]
        {
            (nameof(o.FitIterations), o.FitIterations), (nameof(o.SmoothingRadius), o.SmoothingRadius), (nameof(o.OpenRadius), o.OpenRadius),
            (nameof(o.CloseRadius), o.CloseRadius), (nameof(o.MinDistance), o.MinDistance), (nameof(o.NoiseFactor), o.NoiseFactor),
        })
        {
            if (!(value >= 0))
            {
                problems.Add($"{property} must be zero or more, got {value}");
            }
        }

        if (!(o.RampWidth > 0))
        {
            problems.Add($"RampWidth must be positive, got {o.RampWidth}");
        }

        return OptionsValidation.Result(problems);
    }
}
