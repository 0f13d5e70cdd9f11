using XPaste.Abstractions;
using XPaste.Coco;
using XPaste.Sources;

namespace XPaste.Tests.Coco;

/// <summary>Bank and dataset categories are matched by name (synonyms too) and ids mapped; what is missing is refused or added.</summary>
public sealed class CategoryMappingTests
{
    private static readonly CocoCategory[] Dataset =
    [
        new() { Id = 1, Name = "coin" },
        new() { Id = 2, Name = "horse" },
        new() { Id = 41, Name = "cup", Synonyms = ["cup", "coffee_cup", "teacup"] },
        new() { Id = 92, Name = "traffic_light" },
    ];

    [Fact]
    public void Ids_are_mapped_by_name_not_by_number()
    {
        // A bank numbered by folder name: cup = 1, horse = 2.
        CategoryMapping mapping = CategoryMapping.Create([new(1, "cup"), new(2, "horse")], "bank", Dataset, "d.json");
        Assert.Equal(41, mapping.Map(1));
        Assert.Equal(2, mapping.Map(2));
        Assert.False(mapping.IsIdentity);
        Assert.Empty(mapping.Added);
        Assert.Equal(Dataset.Select(c => c.Id), mapping.Categories.Select(c => c.Id));
    }

    [Theory]
    [InlineData("traffic light")]
    [InlineData("Traffic_Light")]
    [InlineData("traffic-light")]
    [InlineData("  traffic   light ")]
    public void Names_compare_without_case_underscores_or_extra_spaces(string name)
    {
        Assert.Equal(92, CategoryMapping.Create([new(7, name)], "bank", Dataset, "d.json").Map(7));
    }

    [Fact]
    public void Lvis_synonyms_match_after_names()
    {
        Assert.Equal(41, CategoryMapping.Create([new(3, "coffee cup")], "bank", Dataset, "d.json").Map(3));
        CategoryMapping noSynonyms() => CategoryMapping.Create([new(3, "teacup")], "bank", Dataset, "d.json", new CategoryMappingOptions { MatchSynonyms = false });
        Assert.Throws<CategoryMismatchException>(noSynonyms);
    }

    [Fact]
    public void Missing_categories_are_refused_with_the_list()
    {
        var ex = Assert.Throws<CategoryMismatchException>(() =>
            CategoryMapping.Create([new(1, "person"), new(2, "horse"), new(3, "rocket")], "my-bank", Dataset, "d.json"));
        Assert.Equal("my-bank", ex.Input);
        Assert.Equal(["person", "rocket"], ex.Missing);
        Assert.StartsWith("my-bank: 2 categories are not in d.json: person, rocket (its categories: coin, horse, cup, traffic_light)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_categories_can_be_added_after_the_highest_id()
    {
        CategoryMapping mapping = CategoryMapping.Create([new(1, "person"), new(2, "horse"), new(3, "rocket")], "bank", Dataset, "d.json",
            new CategoryMappingOptions { Missing = MissingCategoryHandling.Add });
        Assert.Equal(93, mapping.Map(1));
        Assert.Equal(2, mapping.Map(2));
        Assert.Equal(94, mapping.Map(3));
        Assert.Equal(["person", "rocket"], mapping.Added.Select(c => c.Name));
        Assert.Equal([1, 2, 41, 92, 93, 94], mapping.Categories.Select(c => c.Id));
    }

    [Fact]
    public void A_name_matching_two_categories_by_synonym_is_refused()
    {
        CocoCategory[] dataset = [new() { Id = 1, Name = "mug", Synonyms = ["cup"] }, new() { Id = 2, Name = "teacup", Synonyms = ["cup"] }];
        var ex = Assert.Throws<CategoryMismatchException>(() => CategoryMapping.Create([new(5, "cup")], "bank", dataset, "d.json"));
        Assert.Contains("'cup' matches 1 mug, 2 teacup", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_same_name_same_id_bank_maps_to_itself()
    {
        Assert.True(CategoryMapping.Create([new(1, "coin"), new(2, "horse")], "bank", Dataset, "d.json").IsIdentity);
    }

    [Fact]
    public void A_folder_tree_takes_the_dataset_ids_by_folder_name()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("coffee cup"));
        Directory.CreateDirectory(temp.File("horse"));
        var source = FolderInstanceSource.FromDataset(temp.Path, Dataset, "d.json");
        Assert.Equal([new CategoryInfo(2, "horse"), new CategoryInfo(41, "cup")], source.Categories);

        Directory.CreateDirectory(temp.File("rocket"));
        var ex = Assert.Throws<CategoryMismatchException>(() => FolderInstanceSource.FromDataset(temp.Path, Dataset, "d.json"));
        Assert.Equal(["rocket"], ex.Missing);
    }
}
