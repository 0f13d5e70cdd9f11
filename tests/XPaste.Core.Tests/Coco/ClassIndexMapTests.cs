using XPaste.Coco;
using static TorchSharp.torch;

namespace XPaste.Tests.Coco;

/// <summary>Category ids (COCO with gaps, LVIS 1..1203, ids added for a bank) to contiguous class indices and back.</summary>
public sealed class ClassIndexMapTests
{
    // COCO's first ids: 12 is one of its gaps.
    private static readonly CocoCategory[] Coco =
    [
        new() { Id = 13, Name = "stop sign" },
        new() { Id = 1, Name = "person" },
        new() { Id = 11, Name = "fire hydrant" },
        new() { Id = 90, Name = "toothbrush" },
    ];

    [Fact]
    public void Ids_with_gaps_get_contiguous_indices_in_id_order_and_back()
    {
        ClassIndexMap map = ClassIndexMap.Create(Coco);
        Assert.Equal([1, 11, 13, 90], map.Categories.Select(c => c.Id));
        Assert.Equal(4, map.Count);
        Assert.Equal(4, map.NumClasses);
        Assert.Equal([0, 1, 2, 3], new[] { 1, 11, 13, 90 }.Select(map.ToIndex));
        Assert.Equal([1, 11, 13, 90], Enumerable.Range(0, 4).Select(map.ToCategoryId));
        Assert.False(map.Contains(12));
        ArgumentException e = Assert.Throws<ArgumentException>(() => map.ToIndex(12));
        Assert.Contains("category id 12", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.ToCategoryId(4));
    }

    [Fact]
    public void First_index_one_keeps_zero_for_the_background()
    {
        ClassIndexMap map = ClassIndexMap.Create(Coco, firstIndex: 1);
        Assert.Equal(1, map.ToIndex(1));
        Assert.Equal(4, map.ToIndex(90));
        Assert.Equal(5, map.NumClasses);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.ToCategoryId(0));
        Assert.Equal(90, map.ToCategoryId(4));
    }

    [Fact]
    public void Lvis_ids_map_to_id_minus_one()
    {
        ClassIndexMap map = ClassIndexMap.Create(Enumerable.Range(1, 1203).Select(i => new CocoCategory { Id = i, Name = $"c{i}" }));
        using Tensor labels = tensor(new long[] { 1, 1203, 600 });
        using Tensor indices = map.ToIndices(labels);
        Assert.Equal([0L, 1202L, 599L], indices.data<long>().ToArray());
    }

    [Fact]
    public void A_dataset_and_a_mapping_s_added_categories_get_one_index_space()
    {
        // A bank with cup (in the dataset as 41) and two categories the dataset lacks: added as 93 and 94.
        CocoCategory[] dataset = [new() { Id = 1, Name = "coin" }, new() { Id = 41, Name = "cup" }, new() { Id = 92, Name = "traffic_light" }];
        CategoryMapping mapping = CategoryMapping.Create([new(1, "cup"), new(2, "kite"), new(3, "yak")], "bank", dataset, "d.json",
            new CategoryMappingOptions { Missing = MissingCategoryHandling.Add });
        var coco = new CocoDataset { Categories = dataset };
        ClassIndexMap map = ClassIndexMap.Create(coco, mapping, firstIndex: 1);
        Assert.Equal([1, 41, 92, 93, 94], map.Categories.Select(c => c.Id));
        Assert.Equal(["coin", "cup", "traffic_light", "kite", "yak"], map.Categories.Select(c => c.Name));
        Assert.Equal(6, map.NumClasses);
        // Labels as a batch carries them (dataset ids, mapped ids of pasted instances) and back.
        using Tensor labels = tensor(new long[] { mapping.Map(2), 41, mapping.Map(3), 1, 92 });
        using Tensor indices = map.ToIndices(labels);
        Assert.Equal([4L, 2L, 5L, 1L, 3L], indices.data<long>().ToArray());
        using Tensor back = map.ToCategoryIds(indices);
        Assert.Equal(labels.data<long>().ToArray(), back.data<long>().ToArray());
        // Without the mapping, the added ids are unknown.
        Assert.False(ClassIndexMap.Create(coco).Contains(93));
    }

    [Fact]
    public void Unknown_labels_and_out_of_range_indices_are_refused_by_value()
    {
        ClassIndexMap map = ClassIndexMap.Create(Coco);
        using Tensor gap = tensor(new long[] { 1, 12 });
        Assert.Contains("label 12", Assert.Throws<ArgumentException>(() => map.ToIndices(gap)).Message, StringComparison.Ordinal);
        using Tensor beyond = tensor(new long[] { 5000 });
        Assert.Contains("label 5000", Assert.Throws<ArgumentException>(() => map.ToIndices(beyond)).Message, StringComparison.Ordinal);
        using Tensor negative = tensor(new long[] { -1 });
        Assert.Throws<ArgumentException>(() => map.ToIndices(negative));
        using Tensor indices = tensor(new long[] { 0, 4 });
        Assert.Throws<ArgumentOutOfRangeException>(() => map.ToCategoryIds(indices));
    }

    [Fact]
    public void Duplicate_or_non_positive_ids_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ClassIndexMap.Create([new CocoCategory { Id = 3, Name = "a" }, new CocoCategory { Id = 3, Name = "b" }]));
        Assert.Throws<ArgumentException>(() => ClassIndexMap.Create([new CocoCategory { Id = 0, Name = "a" }]));
    }

    [Fact]
    public void Empty_label_tensors_map_to_empty_tensors()
    {
        ClassIndexMap map = ClassIndexMap.Create(Coco);
        using Tensor none = empty(0, dtype: ScalarType.Int64);
        using Tensor indices = map.ToIndices(none);
        using Tensor back = map.ToCategoryIds(indices);
        Assert.Equal(0, indices.numel());
        Assert.Equal(0, back.numel());
    }
}
