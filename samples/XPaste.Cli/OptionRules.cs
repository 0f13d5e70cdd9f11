using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace XPaste.Cli;

/// <summary>
/// Checks of option values while parsing, so a bad value is a usage error (<c>error: --option: problem</c>, exit 2)
/// before any work starts. Each returns the option for chaining.
/// </summary>
internal static class OptionRules
{
    /// <summary>The smallest output or model input side the tool accepts, in pixels.</summary>
    public const int MinimumImageSide = 32;

    /// <summary>The value must be at least <paramref name="minimum"/>.</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (Value<T>(result) is { } value && value < minimum)
            {
                result.AddError(Invariant($"must be at least {minimum}, got {value}"));
            }
        });
        return option;
    }

    /// <summary>Every value of a repeated option must be at least <paramref name="minimum"/>.</summary>
    public static Option<T[]> AtLeast<T>(this Option<T[]> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            T[] values;
            try
            {
                values = result.GetValueOrDefault<T[]>() ?? [];
            }
            catch (InvalidOperationException)
            {
                return; // did not parse: that error is reported already
            }

            foreach (T value in values)
            {
                if (value < minimum)
                {
                    result.AddError(Invariant($"must be at least {minimum}, got {value}"));
                    return;
                }
            }
        });
        return option;
    }

    /// <summary>The value, when given, must be at least <paramref name="minimum"/>.</summary>
    public static Option<T?> AtLeast<T>(this Option<T?> option, T minimum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (NullableValue<T>(result) is { } value && value < minimum)
            {
                result.AddError(Invariant($"must be at least {minimum}, got {value}"));
            }
        });
        return option;
    }

    /// <summary>
    /// The value, when given, must be a positive multiple of <paramref name="factor"/> up to <paramref name="maximum"/>
    /// (image sides of latent models).
    /// </summary>
    public static Option<int?> MultipleOf(this Option<int?> option, int factor, int maximum = int.MaxValue)
    {
        option.Validators.Add(result =>
        {
            if (NullableValue<int>(result) is not { } value)
            {
                return;
            }

            if (value < factor || value % factor != 0)
            {
                result.AddError(Invariant($"must be a positive multiple of {factor}, got {value}"));
            }
            else if (value > maximum)
            {
                result.AddError(Invariant($"must be at most {maximum}, got {value}"));
            }
        });
        return option;
    }

    /// <summary>The value must be one of <paramref name="choices"/> (listed in help and completions).</summary>
    public static Option<string> OneOf(this Option<string> option, params string[] choices)
    {
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    /// <summary>The value must lie in <c>[minimum, maximum]</c>.</summary>
    public static Option<T> Between<T>(this Option<T> option, T minimum, T maximum)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (Value<T>(result) is { } value && (value < minimum || value > maximum || !T.IsFinite(value)))
            {
                result.AddError(Invariant($"must be between {minimum} and {maximum}, got {value}"));
            }
        });
        return option;
    }

    /// <summary>The value must be a finite number (not NaN or infinity).</summary>
    public static Option<T> Finite<T>(this Option<T> option)
        where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (Value<T>(result) is { } value && !T.IsFinite(value))
            {
                result.AddError(Invariant($"must be a finite number, got {value}"));
            }
        });
        return option;
    }

    /// <summary>The path must not name an existing file (the option names a folder).</summary>
    public static Option<DirectoryInfo> NotAFile(this Option<DirectoryInfo> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DirectoryInfo>() is { } folder && File.Exists(folder.FullName))
            {
                result.AddError($"{folder} is a file; this option names a folder");
            }
        });
        return option;
    }

    /// <summary>The path, when given, must not name an existing file (the option names a folder).</summary>
    public static Option<string> NotAFile(this Option<string> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { Length: > 0 } folder && File.Exists(folder))
            {
                result.AddError($"{folder} is a file; this option names a folder");
            }
        });
        return option;
    }

    /// <summary>The value typed, or null when it is the default or did not parse (that error is reported already).</summary>
    private static T? Value<T>(OptionResult result)
        where T : struct, INumber<T>
    {
        if (result.Implicit)
        {
            return null;
        }

        try
        {
            return result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static T? NullableValue<T>(OptionResult result)
        where T : struct, INumber<T>
    {
        if (result.Implicit)
        {
            return null;
        }

        try
        {
            return result.GetValueOrDefault<T?>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
