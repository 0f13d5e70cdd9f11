using System.Globalization;

namespace XPaste.TrainingLoop;

/// <summary>The sample's command line: <c>[--out DIR] [--epochs N] [--device cpu|cuda|cuda:N] [--size S] [--pasted-weight W]</c>.</summary>
internal sealed record TrainingArguments(string Out, int Epochs, string Device, int Size, double PastedWeight)
{
    public const string Usage = "usage: XPaste.TrainingLoop [--out DIR] [--epochs N] [--device cpu|cuda|cuda:N] [--size S] [--pasted-weight W]";

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with an <c>option: problem</c> message.</summary>
    public static TrainingArguments Parse(string[] args)
    {
        var parsed = new TrainingArguments("xpaste-out", 3, "cpu", 256, 0.5);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{name}: needs a value");
            parsed = name switch
            {
                "--out" => parsed with { Out = Value() },
                "--epochs" => parsed with { Epochs = PositiveInt(name, Value()) },
                "--device" => parsed with { Device = ParseDevice(Value()) },
                "--size" => parsed with { Size = PositiveInt(name, Value()) },
                "--pasted-weight" => parsed with { PastedWeight = NonNegative(name, Value()) },
                _ => throw new FormatException($"{name}: not an option of this sample"),
            };
        }

        return parsed.Size % Stride == 0 && parsed.Size >= 32
            ? parsed
            : throw new FormatException($"--size: {parsed.Size} is not a multiple of {Stride} of at least 32");
    }

    /// <summary>The model's output stride: logits for every fourth pixel.</summary>
    public const int Stride = 4;

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new FormatException($"{name}: '{value}' is not a positive integer");

    private static double NonNegative(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double w) && w >= 0 && double.IsFinite(w) ? w : throw new FormatException($"{name}: '{value}' is not a non-negative number");

    private static string ParseDevice(string value) =>
        value is "cpu" or "cuda" || (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            ? value
            : throw new FormatException($"--device: '{value}' is not one of cpu, cuda, cuda:N");
}
