using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using XPaste.Tests;

namespace XPaste.Cli.Tests.Samples;

/// <summary>samples/XPaste.TrainingLoop trains a model on the augmented batches: its loss falls, and its output reads as finished lines.</summary>
public sealed partial class TrainingLoopTests
{
    [Fact]
    public async Task Two_epochs_on_the_bundled_data_lower_the_loss()
    {
        using var temp = new TempFolder();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = temp.Path,
        };
        foreach (string arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "XPaste.TrainingLoop.dll"), "--out", temp.File("out"), "--epochs", "2" })
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        string output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");

        // Redirected, every line is a finished statement: no progress bar frames, no percentages.
        Assert.DoesNotContain("%", output, StringComparison.Ordinal);
        Assert.Contains("classes: 0 background, 1 coin (id 1), 2 horse (id 2), 3 person (id 3)", output, StringComparison.Ordinal);
        double[] losses = [.. EpochLine().Matches(output).Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))];
        Assert.Equal(2, losses.Length);
        Assert.True(losses[1] < losses[0], $"loss did not fall:\n{output}");
        // Pasted objects were in the batches the model trained on.
        Assert.Matches(@"epoch 1/2: .* [1-9]\d* pasted\)", output);
        Assert.Matches(@"trained 2 epochs on cpu: loss \d+\.\d{4} -> \d+\.\d{4}", output);
    }

    [Fact]
    public async Task A_wrong_option_is_one_error_line_and_exit_2()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "XPaste.TrainingLoop.dll"), "--device", "tpu" })
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith("error: --device: 'tpu' is not one of cpu, cuda, cuda:N", stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^epoch (\d+)/2: loss (\d+\.\d+) ", RegexOptions.Multiline)]
    private static partial Regex EpochLine();
}
