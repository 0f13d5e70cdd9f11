using XPaste.Augment;
using XPaste.Bank;
using XPaste.Tests.Kernel;
using static TorchSharp.torch;

namespace XPaste.Tests.Instances;

public sealed class InstanceBankPoolTests
{
    [Fact]
    public Task Exposes_the_banks_instances_and_loads_them_through_a_cache() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        using InstanceBank bank = await BundledData.BuildBankAsync(temp.File("bank"));
        using var pool = new InstanceBankPool(bank, cacheBytes: 200_000);
        Assert.Equal(19, pool.Instances.Count); // 18 coins and the horse
        Assert.Equal([1, 2], pool.Categories);
        Assert.Equal(18, pool.InstancesOf(1).Count);
        Assert.Single(pool.InstancesOf(2));
        Assert.Empty(pool.InstancesOf(3));

        using var scope = NewDisposeScope();
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < pool.Instances.Count; i++)
            {
                BankInstance instance = bank.Instances[i];
                Assert.Equal(instance.Id, pool.Instances[i].Id);
                Tensor loaded = pool.Load(i);
                Assert.Equal(new long[] { 4, instance.Height, instance.Width }, loaded.shape);
                Assert.Equal(T.ToBytes(bank.LoadImage(instance)), T.ToBytes(loaded));
                loaded.Dispose(); // the cache keeps its own copy
            }
        }
    });

    [Fact]
    public Task Cached_instances_are_served_without_their_files_and_every_load_belongs_to_the_callers_scope() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        using InstanceBank bank = await BundledData.BuildBankAsync(temp.File("bank"));
        using var cached = new InstanceBankPool(bank);
        using var uncached = new InstanceBankPool(bank, cacheBytes: 0);
        var expected = new List<byte[]>();
        Tensor miss, hit;
        using (var scope = NewDisposeScope())
        {
            for (int i = 0; i < cached.Instances.Count; i++)
            {
                expected.Add(T.ToBytes(cached.Load(i)));
            }

            miss = uncached.Load(0);
            hit = cached.Load(0);
            Assert.False(miss.IsInvalid || hit.IsInvalid);
        }

        // One rule for a hit and a miss: the tensor went with the caller's scope (the cache kept its own copy).
        Assert.True(miss.IsInvalid);
        Assert.True(hit.IsInvalid);

        foreach (string png in Directory.EnumerateFiles(Path.Combine(bank.Folder, InstanceBank.ImagesFolderName), "*.png", SearchOption.AllDirectories))
        {
            File.Delete(png);
        }

        using (var scope = NewDisposeScope())
        {
            for (int i = 0; i < cached.Instances.Count; i++)
            {
                Assert.Equal(expected[i], T.ToBytes(cached.Load(i)));
            }
        }

        Assert.Throws<InvalidBankException>(() => uncached.Load(0));
    });

    [Fact]
    public Task A_cut_out_whose_bytes_changed_is_refused_not_pasted() => TensorThread.Run(async () =>
    {
        using var temp = new TempFolder();
        string folder = temp.File("bank");
        (await BundledData.BuildBankAsync(folder)).Dispose();
        using InstanceBankReader bank = InstanceBank.Open(folder);
        BankInstance first = bank.Instances[0];
        string path = bank.GetFullPath(first);

        // One byte changed: the manifest hash no longer matches, whatever the decoder would make of it.
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^20] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        using var pool = new InstanceBankPool(bank);

        var ex = Assert.Throws<InvalidBankException>(() => pool.Load(0));
        Assert.Equal(path, ex.Input);
        Assert.Contains($"differs from the manifest's {first.ContentHash}", ex.Message, StringComparison.Ordinal);
    });
}
