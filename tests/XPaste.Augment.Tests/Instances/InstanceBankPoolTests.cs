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
}
