using XPaste.Augment;
using XPaste.Coco;
using static TorchSharp.torch;

namespace XPaste.Tests.Instances;

public sealed class CategoryMappedPoolTests
{
    private sealed class FakePool : IPasteInstancePool
    {
        public IReadOnlyList<PasteInstanceInfo> Instances { get; } =
            [new("a", 1, 4, 4), new("b", 2, 4, 4), new("c", 1, 4, 4)];

        public IReadOnlyList<int> Categories => [1, 2];

        public IReadOnlyList<int> InstancesOf(int categoryId) => [.. Instances.Select((i, k) => (i, k)).Where(p => p.i.CategoryId == categoryId).Select(p => p.k)];

        public Tensor Load(int index) => full([4, 4, 4], index, ScalarType.Byte);
    }

    [Fact]
    public void Instances_carry_the_dataset_ids_and_pixels_come_from_the_inner_pool()
    {
        CocoCategory[] dataset = [new() { Id = 1, Name = "coin" }, new() { Id = 2, Name = "horse" }, new() { Id = 41, Name = "cup" }];
        CategoryMapping mapping = CategoryMapping.Create([new(1, "cup"), new(2, "horse")], "bank", dataset, "d.json");
        var pool = new CategoryMappedPool(new FakePool(), mapping);
        Assert.Equal([41, 2, 41], pool.Instances.Select(i => i.CategoryId));
        Assert.Equal([2, 41], pool.Categories);
        Assert.Equal([0, 2], pool.InstancesOf(41));
        Assert.Empty(pool.InstancesOf(1));
        using Tensor pixels = pool.Load(2);
        Assert.Equal(2, pixels[0, 0, 0].item<byte>());
    }
}
