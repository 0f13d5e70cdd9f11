using System.CommandLine;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace XPaste.Cli;

/// <summary>The one <c>--device</c> option of every command that runs a model: <c>auto</c> (default), <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>.</summary>
internal static partial class DeviceChoice
{
    /// <summary>A new <c>--device</c> option, default <c>auto</c>.</summary>
    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--device")
        {
            Description = "auto (CUDA when available, else the CPU), cpu, cuda or cuda:N.",
            DefaultValueFactory = _ => "auto",
        };
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !Pattern().IsMatch(value))
            {
                result.AddError($"'{value}' is not one of auto, cpu, cuda, cuda:N");
            }
        });
        return option;
    }

    /// <summary>The device name to use: <c>auto</c> resolved; CUDA refused by name where it is missing.</summary>
    /// <exception cref="InvalidInputException">CUDA was asked for but is not available.</exception>
    public static string ResolveName(string value)
    {
        if (value == "auto")
        {
            return cuda.is_available() ? "cuda" : "cpu";
        }

        if (value.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
        {
            throw new InvalidInputException($"--device {value}",
                "CUDA is not available here (no GPU, or a CPU-only TorchSharp backend); use --device cpu or auto");
        }

        if (value.StartsWith("cuda:", StringComparison.Ordinal) && int.Parse(value.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture) >= cuda.device_count())
        {
            throw new InvalidInputException($"--device {value}", $"this machine has {cuda.device_count()} CUDA device(s)");
        }

        return value;
    }

    /// <summary>The TorchSharp device for an option value (see <see cref="ResolveName"/>).</summary>
    public static Device Resolve(string value) => device(ResolveName(value));

    [GeneratedRegex(@"^(auto|cpu|cuda|cuda:\d{1,3})$")]
    private static partial Regex Pattern();
}
