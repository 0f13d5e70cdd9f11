using Microsoft.Extensions.Options;

namespace XPaste.Augment;

/// <summary>Validates <see cref="XPasteOptions"/> (registered by <c>AddXPaste</c> and checked at start).</summary>
internal sealed class XPasteOptionsValidator : IValidateOptions<XPasteOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, XPasteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> problems = [.. Problems(options)];
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem of the options, as sentences.</summary>
    internal static IEnumerable<string> Problems(XPasteOptions o)
    {
        if (!Enum.IsDefined(o.Policy))
        {
            yield return $"{nameof(o.Policy)} {o.Policy} is not a policy";
        }

        if (o.BatchSize is < 1 or > 4096)
        {
            yield return $"{nameof(o.BatchSize)} must be in [1, 4096], got {o.BatchSize}";
        }

        if (o.PrefetchBatches is < 1 or > 64)
        {
            yield return $"{nameof(o.PrefetchBatches)} must be in [1, 64], got {o.PrefetchBatches}";
        }

        string? deviceProblem = DeviceProblem(o.Device);
        if (deviceProblem is not null)
        {
            yield return deviceProblem;
        }

        foreach ((string prefix, IEnumerable<string>? problems) in new (string, IEnumerable<string>?)[]
        {
            (nameof(o.XPaste), o.XPaste?.Problems()),
            (nameof(o.SimpleCopyPaste), o.SimpleCopyPaste?.Problems()),
            (nameof(o.Jitter), o.Jitter?.Problems()),
            (nameof(o.Kernel), o.Kernel?.Problems()),
        })
        {
            if (problems is null)
            {
                yield return $"{prefix} must not be null";
                continue;
            }

            foreach (string p in problems)
            {
                yield return $"{prefix}: {p}";
            }
        }
    }

    private static string? DeviceProblem(string? device)
    {
        if (string.IsNullOrWhiteSpace(device))
        {
            return $"{nameof(XPasteOptions.Device)} must be set (cpu, cuda or cuda:N)";
        }

        string d = device.Trim().ToLowerInvariant();
        if (d == "cpu")
        {
            return null;
        }

        if (d == "cuda" || (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d.AsSpan(5), out int index) && index >= 0))
        {
            return TorchSharp.torch.cuda.is_available()
                ? null
                : $"{nameof(XPasteOptions.Device)} is {device} but CUDA is not available (reference TorchSharp-cuda-* and run on a GPU, or use cpu)";
        }

        return $"{nameof(XPasteOptions.Device)} must be cpu, cuda or cuda:N, got {device}";
    }
}
