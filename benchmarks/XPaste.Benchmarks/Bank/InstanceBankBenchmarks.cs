using BenchmarkDotNet.Attributes;
using XPaste.Abstractions;
using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Benchmarks.Bank;

/// <summary>128x128 RGBA cut-outs with a disc-shaped alpha, like real instances.</summary>
internal static class BankBenchmarkData
{
    public const int BatchSize = 64;

    public static List<NewBankInstance> Batch()
    {
        var generator = new Generator(1);
        Tensor yy = arange(128).unsqueeze(1).expand(128, 128), xx = arange(128).unsqueeze(0).expand(128, 128);
        Tensor disc = ((yy - 64) * (yy - 64) + (xx - 64) * (xx - 64)).lt(60 * 60).to(ScalarType.Byte);
        var batch = new List<NewBankInstance>();
        for (int i = 0; i < BatchSize; i++)
        {
            Tensor rgb = randint(0, 256, new long[] { 3, 128, 128 }, ScalarType.Byte, generator: generator) * disc;
            batch.Add(new NewBankInstance(cat(new[] { rgb, (disc * 255).unsqueeze(0) }, 0), new CategoryInfo(i % 8, $"c{i % 8}"), $"s/{i}", "plain"));
        }

        return batch;
    }
}

/// <summary>The bank's write path: PNG encoding, hashing, atomic writes and one segment commit per batch.</summary>
[MemoryDiagnoser]
public class BankAddBenchmarks
{
    private List<NewBankInstance> _batch = [];
    private string _root = "";
    private int _run;

    [Params(1, 4)]
    public int EncodeParallelism { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "xpaste-bench-bank-" + Guid.NewGuid().ToString("N"));
        _batch = BankBenchmarkData.Batch();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.ForEach(c => c.Rgba.Dispose());
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Adds and commits one batch of 64 cut-outs into a fresh bank.</summary>
    [Benchmark]
    public int AddRange64()
    {
        using var bank = InstanceBank.Create(Path.Combine(_root, $"add-{_run++}"), new BankOptions { EncodeParallelism = EncodeParallelism });
        return bank.AddRange(_batch).Count;
    }
}

/// <summary>The bank's open path: listing, reading and validating the manifest of 10,000 instances.</summary>
[MemoryDiagnoser]
public class BankOpenBenchmarks
{
    private string _root = "";

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "xpaste-bench-bank-" + Guid.NewGuid().ToString("N"));
        List<NewBankInstance> batch = BankBenchmarkData.Batch();
        using var bank = InstanceBank.Create(_root);
        for (int k = 0; k < 10_000 / BankBenchmarkData.BatchSize + 1; k++)
        {
            bank.AddRange(batch.Select(c => c with { Source = $"{c.Source}/{k}" }).ToArray());
        }

        batch.ForEach(c => c.Rgba.Dispose());
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>Opens the bank read-only.</summary>
    [Benchmark]
    public int Open10k()
    {
        using var bank = InstanceBank.Open(_root);
        return bank.Count;
    }
}
