using XPaste.Abstractions;
using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Tests.Bank;

public sealed class InstanceBankTests
{
    private static readonly CategoryInfo Cat = new(3, "cat");
    private static readonly CategoryInfo Dog = new(7, "dog");

    /// <summary>Random RGBA pixels with every alpha value, including fully transparent ones.</summary>
    internal static Tensor RandomRgba(int seed, int h, int w)
    {
        var generator = new Generator((ulong)seed);
        return randint(0, 256, new long[] { 4, h, w }, ScalarType.Byte, generator: generator);
    }

    private static InstanceBank NewWriter(TempFolder temp, BankOptions? options = null) => InstanceBank.Create(temp.File("bank"), options);

    [Fact]
    public void Added_instances_round_trip_exactly_through_a_reopen()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        Tensor a = RandomRgba(1, 5, 9), b = RandomRgba(2, 12, 3), c = RandomRgba(3, 1, 1);
        BankInstance ia, ib, ic;
        using (var bank = NewWriter(temp))
        {
            ia = bank.Add(a, Cat, "gen/cat/0000.png", "u2net", 25.5f, origin: "/data/gen/cat/0000.png");
            ib = bank.Add(b, Dog, "gen/dog/0000.png", "plain");
            ic = bank.Add(c, Cat, "gen/cat/0001.png", "u2net", 21f);
            Assert.Equal(3, bank.PendingCount);
        }

        using var reopened = InstanceBank.Open(temp.File("bank"));
        Assert.True(reopened.IsReadOnly);
        Assert.Equal(new[] { ia, ib, ic }, reopened.Instances);
        Assert.Equal(new BankInstance[] { ia, ic }, reopened.ByCategory[3]);
        Assert.Equal(new BankInstance[] { ib }, reopened.ByCategory[7]);
        Assert.Equal(new Dictionary<int, int> { [3] = 2, [7] = 1 }, reopened.CategoryCounts);
        Assert.Equal(new[] { Cat, Dog }, reopened.Categories);
        Assert.Equal(9, ia.Width);
        Assert.Equal(5, ia.Height);
        Assert.Equal(25.5f, ia.ClipScore);
        Assert.Null(ib.ClipScore);
        Assert.Equal("/data/gen/cat/0000.png", ia.Origin);
        Assert.Equal($"images/3/{ia.Id}.png", ia.File);
        Assert.True(reopened.ContainsSource("gen/dog/0000.png"));
        Assert.False(reopened.ContainsSource("gen/dog/0001.png"));

        foreach ((BankInstance instance, Tensor expected) in new[] { (ia, a), (ib, b), (ic, c) })
        {
            using Tensor loaded = reopened.LoadImage(instance, verifyHash: true);
            Assert.Equal(expected.shape, loaded.shape);
            Assert.True(SamePixels(expected, loaded), $"pixels of {instance.Id} changed");
        }

        var summary = InstanceBank.ReadSummary(temp.File("bank"));
        Assert.Equal(3, summary.Instances);
        Assert.Equal(new[] { new BankCategoryCount(3, "cat", 2), new BankCategoryCount(7, "dog", 1) }, summary.Categories);
    }

    [Fact]
    public void Ids_are_stable_across_banks_and_a_repeated_add_returns_the_existing_instance()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        Tensor a = RandomRgba(4, 6, 6);
        string id1, id2;
        using (var bank = InstanceBank.Create(temp.File("one")))
        {
            BankInstance first = bank.Add(a, Cat, "s/1", "plain");
            BankInstance again = bank.Add(a.clone(), Cat, "s/1", "plain");
            Assert.Same(first, again);
            Assert.Single(bank.Instances);
            BankInstance otherSource = bank.Add(a, Cat, "s/2", "plain");
            Assert.NotEqual(first.Id, otherSource.Id);
            id1 = first.Id;
        }

        using (var bank = InstanceBank.Create(temp.File("two")))
        {
            id2 = bank.Add(a, Cat, "s/1", "plain").Id;
        }

        Assert.Equal(id1, id2);
        Assert.Matches("^[0-9a-f]{16}$", id1);
    }

    [Fact]
    public void A_crash_leaves_only_committed_instances_and_the_next_writer_removes_the_leftovers()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string crashed = temp.File("crashed");
        BankInstance[] committed;
        BankInstance uncommitted;
        using (var bank = NewWriter(temp, new BankOptions { CommitEvery = 100 }))
        {
            committed = bank.AddRange([
                new NewBankInstance(RandomRgba(10, 4, 4), Cat, "s/0", "plain"),
                new NewBankInstance(RandomRgba(11, 4, 5), Dog, "s/1", "plain"),
            ]).ToArray();
            uncommitted = bank.Add(RandomRgba(12, 3, 3), Cat, "s/2", "plain");
            Assert.Equal(1, bank.PendingCount);

            // Freeze the folder as a crash would leave it: the pending PNG is written, its entry is not.
            CopyFolder(bank.Folder, crashed);
        }

        Assert.True(File.Exists(Path.Combine(crashed, uncommitted.File)));
        // A torn segment and a torn PNG, as a crash inside AtomicFile leaves them.
        File.WriteAllText(Path.Combine(crashed, "manifest", ".tmp-seg-00000002.json-0123"), "{\"format\":\"xpaste-bank-segment\",\"version\":1,\"instances\":[{\"id\":\"ab");
        File.WriteAllBytes(Path.Combine(crashed, "images", "3", ".tmp-deadbeefdeadbeef.png-0123"), [0x89, 0x50]);

        using (var reader = InstanceBank.Open(crashed))
        {
            Assert.Equal(committed, reader.Instances);
            Assert.False(reader.ContainsSource("s/2"));
        }

        using (var writer = InstanceBank.OpenOrCreate(crashed))
        {
            Assert.Equal(committed, writer.Instances);
            Assert.False(File.Exists(Path.Combine(crashed, uncommitted.File)));
            Assert.Empty(Directory.EnumerateFiles(crashed, ".tmp-*", SearchOption.AllDirectories));

            // The interrupted work is simply redone.
            BankInstance redone = writer.Add(RandomRgba(12, 3, 3), Cat, "s/2", "plain");
            Assert.Equal(uncommitted, redone);
        }

        using var final = InstanceBank.Open(crashed);
        Assert.Equal([.. committed, uncommitted], final.Instances);
        Assert.Equal(final.Instances.Count, final.Instances.Select(i => i.Id).Distinct().Count());
    }

    [Fact]
    public void An_interrupted_compaction_leaves_duplicates_that_reading_drops()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string folder = temp.File("bank");
        string manifest = Path.Combine(folder, "manifest");
        var saved = new Dictionary<string, byte[]>();
        BankInstance[] all;
        using (var bank = InstanceBank.Create(folder, new BankOptions { CommitEvery = 1, CompactOnDispose = false }))
        {
            for (int i = 0; i < 5; i++)
            {
                bank.Add(RandomRgba(20 + i, 2, 3), i % 2 == 0 ? Cat : Dog, $"s/{i}", "plain");
            }

            bank.Reject(new BankRejection("s/rejected", "cat", RejectionKind.EmptyMask));
            all = bank.Instances.ToArray();
            foreach (string segment in Directory.GetFiles(manifest))
            {
                saved[segment] = File.ReadAllBytes(segment);
            }

            Assert.Equal(6, saved.Count);
            bank.Compact();
            Assert.Single(Directory.GetFiles(manifest));
        }

        // As if the process died after committing the merged segment but before deleting the old ones.
        foreach (var (path, bytes) in saved)
        {
            File.WriteAllBytes(path, bytes);
        }

        using (var reader = InstanceBank.Open(folder))
        {
            Assert.Equal(all, reader.Instances);
            Assert.Equal(new BankRejection("s/rejected", "cat", RejectionKind.EmptyMask), Assert.Single(reader.Rejections));
        }

        // The next writer's compaction tidies it up for good.
        using (var writer = InstanceBank.OpenOrCreate(folder))
        {
            writer.Compact();
        }

        Assert.Single(Directory.GetFiles(manifest));
        using var final = InstanceBank.Open(folder);
        Assert.Equal(all, final.Instances);
    }

    [Fact]
    public void Segments_are_merged_when_there_are_too_many_and_on_dispose()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string manifest = temp.File("bank", "manifest");
        using (var bank = NewWriter(temp, new BankOptions { CommitEvery = 1, MaxSegments = 3 }))
        {
            for (int i = 0; i < 10; i++)
            {
                bank.Add(RandomRgba(30 + i, 2, 2), Cat, $"s/{i}", "plain");
                Assert.InRange(Directory.GetFiles(manifest).Length, 1, 3);
            }
        }

        Assert.Single(Directory.GetFiles(manifest));
        using var reader = InstanceBank.Open(temp.File("bank"));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"s/{i}"), reader.Instances.Select(i => i.Source));
    }

    [Fact]
    public void A_corrupt_segment_is_reported_by_name()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using (var bank = NewWriter(temp))
        {
            bank.Add(RandomRgba(40, 2, 2), Cat, "s/0", "plain");
        }

        string segment = Directory.GetFiles(temp.File("bank", "manifest")).Single();
        byte[] bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<InvalidBankException>(() => InstanceBank.Open(temp.File("bank")));
        Assert.Equal(segment, ex.Input);
        Assert.Contains("corrupt manifest segment", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(segment, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside.png")]
    [InlineData("images/../../outside.png")]
    [InlineData("/etc/passwd")]
    public void Manifest_paths_that_escape_the_bank_are_rejected_naming_manifest_and_entry(string file)
    {
        using var temp = new TempFolder();
        string folder = temp.File("bank");
        Directory.CreateDirectory(Path.Combine(folder, "manifest"));
        string segment = Path.Combine(folder, "manifest", "seg-00000001.json");
        string escaped = file.Replace("\\", "\\\\", StringComparison.Ordinal);
        File.WriteAllText(segment,
            "{\"format\":\"xpaste-bank-segment\",\"version\":1,\"instances\":[{\"id\":\"evil0123456789ab\",\"category_id\":1,\"category\":\"cat\"," +
            $"\"file\":\"{escaped}\",\"source\":\"s\",\"extractor\":\"plain\",\"width\":1,\"height\":1,\"sha256\":\"{new string('0', 64)}\"}}]}}");

        var ex = Assert.Throws<InvalidBankException>(() => InstanceBank.Open(folder));
        Assert.Equal(segment, ex.Input);
        Assert.Contains("evil0123456789ab", ex.Message, StringComparison.Ordinal);
        Assert.Contains("escapes the bank folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_one_writer_at_a_time_and_readers_need_no_lock()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string folder = temp.File("bank");
        using (var writer = InstanceBank.OpenOrCreate(folder))
        {
            writer.Add(RandomRgba(50, 2, 2), Cat, "s/0", "plain");
            writer.Flush();

            var ex = Assert.Throws<BankLockedException>(() => InstanceBank.OpenOrCreate(folder));
            Assert.Contains("another writer", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"pid {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);
            Assert.EndsWith(".lock", ex.LockFile, StringComparison.Ordinal);

            using var reader = InstanceBank.Open(folder);
            Assert.Single(reader.Instances);
            // A reader cannot write, at compile time: it is not an InstanceBank, which alone has Add and Reject.
            Assert.IsNotType<InstanceBank>(reader);
            Assert.True(reader.IsReadOnly);
            Assert.False(writer.IsReadOnly);
        }

        using var next = InstanceBank.OpenOrCreate(folder);
        Assert.Single(next.Instances);
    }

    [Fact]
    public void Create_and_OpenOrCreate_refuse_a_folder_of_other_files_with_the_same_exception()
    {
        using var temp = new TempFolder();
        string folder = temp.File("photos");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "holiday.txt"), "not a bank");

        var created = Assert.Throws<InvalidBankException>(() => InstanceBank.Create(folder));
        var opened = Assert.Throws<InvalidBankException>(() => InstanceBank.OpenOrCreate(folder));

        Assert.Equal(folder, created.Input);
        Assert.Equal(folder, opened.Input);
        Assert.IsAssignableFrom<InvalidInputException>(created);
        Assert.Equal(["holiday.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Rejected_sources_are_remembered_so_a_resume_skips_them()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using (var bank = NewWriter(temp))
        {
            bank.Add(RandomRgba(60, 2, 2), Cat, "s/kept", "u2net", 30f);
            bank.Reject(new BankRejection("s/dropped", "cat", RejectionKind.ClipRule, "u2net", 17.2, 21));
            bank.Reject(new BankRejection("s/dropped", "cat", RejectionKind.EmptyMask));
            Assert.True(bank.IsProcessed("s/dropped"));
        }

        using var reader = InstanceBank.Open(temp.File("bank"));
        Assert.True(reader.IsRejected("s/dropped"));
        Assert.False(reader.ContainsSource("s/dropped"));
        Assert.True(reader.IsProcessed("s/dropped"));
        Assert.True(reader.IsProcessed("s/kept"));
        Assert.False(reader.IsProcessed("s/new"));
        BankRejection read = Assert.Single(reader.Rejections);
        Assert.Equal(new BankRejection("s/dropped", "cat", RejectionKind.ClipRule, "u2net", 17.2, 21), read);
        Assert.Equal("clip score 17.20 < 21.00 (u2net)", read.Text);
        Assert.Equal(1, reader.Summary.Rejected);
    }

    [Fact]
    public void Bad_additions_are_refused()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using var bank = NewWriter(temp);
        bank.Add(RandomRgba(70, 2, 2), Cat, "s/0", "plain");
        Assert.Throws<ArgumentException>(() => bank.Add(RandomRgba(71, 2, 2), new CategoryInfo(3, "kitten"), "s/1", "plain"));
        Assert.Throws<ArgumentException>(() => bank.Add(zeros(3, 2, 2, ScalarType.Byte), Cat, "s/2", "plain"));
        Assert.Throws<ArgumentException>(() => bank.Add(zeros(4, 0, 2, ScalarType.Byte), Cat, "s/3", "plain"));
        Assert.Throws<ArgumentException>(() => bank.Add(zeros(4, 2, 2, ScalarType.Float32), Cat, "s/4", "plain"));
        Assert.Throws<ArgumentException>(() => bank.Add(RandomRgba(72, 2, 2), Cat, "", "plain"));
        Assert.Throws<ArgumentException>(() => bank.Add(RandomRgba(73, 2, 2), Cat, "s/5", "plain", float.NaN));
        Assert.Single(bank.Instances);
        Assert.Single(Directory.GetFiles(temp.File("bank", "images"), "*.png", SearchOption.AllDirectories));
    }

    [Fact]
    public void Loading_detects_a_replaced_or_missing_png()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        BankInstance a, b;
        using (var bank = NewWriter(temp))
        {
            a = bank.Add(RandomRgba(80, 4, 4), Cat, "s/0", "plain");
            b = bank.Add(RandomRgba(81, 4, 4), Cat, "s/1", "plain");
        }

        using var reader = InstanceBank.Open(temp.File("bank"));
        string pathA = reader.GetFullPath(a), pathB = reader.GetFullPath(b);

        // Same size, other pixels: only the hash check notices, and it is on by default.
        File.Copy(pathB, pathA, overwrite: true);
        using (Tensor unchecked_ = reader.LoadImage(a, verifyHash: false))
        {
            Assert.Equal(new long[] { 4, 4, 4 }, unchecked_.shape);
        }

        var hash = Assert.Throws<InvalidBankException>(() => reader.LoadImage(a));
        Assert.Equal(pathA, hash.Input);
        Assert.Contains($"differs from the manifest's {a.ContentHash} for instance '{a.Id}'", hash.Message, StringComparison.Ordinal);

        // Another size: always noticed.
        File.WriteAllBytes(pathA, XPaste.Imaging.ImageIO.EncodePng(RandomRgba(82, 5, 4)));
        var size = Assert.Throws<InvalidBankException>(() => reader.LoadImage(a, verifyHash: false));
        Assert.Contains("4x5", size.Message, StringComparison.Ordinal);

        File.Delete(pathB);
        var missing = Assert.Throws<InvalidBankException>(() => reader.LoadImage(b));
        Assert.Equal(pathB, missing.Input);
    }

    [Fact]
    public void Verify_lists_every_cut_out_that_no_longer_matches_the_manifest()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        BankInstance a, b, c;
        using (var bank = NewWriter(temp))
        {
            a = bank.Add(RandomRgba(90, 4, 4), Cat, "v/0", "plain");
            b = bank.Add(RandomRgba(91, 3, 5), Dog, "v/1", "plain");
            c = bank.Add(RandomRgba(92, 2, 2), Cat, "v/2", "plain");
        }

        using var reader = InstanceBank.Open(temp.File("bank"));
        Assert.Empty(reader.Verify());

        byte[] png = File.ReadAllBytes(reader.GetFullPath(a));
        png[^20] ^= 0x55;
        File.WriteAllBytes(reader.GetFullPath(a), png);
        File.Delete(reader.GetFullPath(c));
        var reports = new List<OperationProgress>();

        IReadOnlyList<BankProblem> problems = reader.Verify(new SyncProgress(reports.Add));

        Assert.Equal(new[] { a.Id, c.Id }, problems.Select(p => p.Instance.Id));
        Assert.Contains("differs from the manifest's", problems[0].Problem, StringComparison.Ordinal);
        Assert.Equal("missing", problems[1].Problem);
        Assert.Equal(reader.GetFullPath(c), problems[1].File);
        Assert.Equal(3, reports[^1].Done);
        using Tensor intact = reader.LoadImage(b);
        Assert.Equal(new long[] { 4, 3, 5 }, intact.shape);
    }

    private sealed class SyncProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }

    [Fact]
    public void The_summary_is_rebuilt_when_missing_or_stale()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        string folder = temp.File("bank");
        byte[] staleSummary;
        using (var bank = InstanceBank.Create(folder, new BankOptions { CompactOnDispose = false }))
        {
            bank.Add(RandomRgba(90, 2, 2), Cat, "s/0", "plain");
            bank.Flush();
            staleSummary = File.ReadAllBytes(Path.Combine(folder, "bank.json"));
            bank.Add(RandomRgba(91, 2, 2), Dog, "s/1", "plain");
        }

        // A crash between committing a segment and rewriting the summary leaves an older summary.
        File.WriteAllBytes(Path.Combine(folder, "bank.json"), staleSummary);
        Assert.Equal(2, InstanceBank.ReadSummary(folder).Instances);
        File.Delete(Path.Combine(folder, "bank.json"));
        Assert.Equal(2, InstanceBank.ReadSummary(folder).Categories.Count);
    }

    [Fact]
    public void Opening_something_that_is_not_a_bank_fails_clearly()
    {
        using var temp = new TempFolder();
        var missing = Assert.Throws<InvalidBankException>(() => InstanceBank.Open(temp.File("nope")));
        Assert.Contains("folder not found", missing.Message, StringComparison.Ordinal);
        Directory.CreateDirectory(temp.File("empty"));
        var notBank = Assert.Throws<InvalidBankException>(() => InstanceBank.Open(temp.File("empty")));
        Assert.Contains("not an instance bank", notBank.Message, StringComparison.Ordinal);
        File.WriteAllText(temp.File("empty", "x.txt"), "x");
        Assert.Equal(temp.File("empty"), Assert.Throws<InvalidBankException>(() => InstanceBank.Create(temp.File("empty"))).Input);
    }

    [Fact]
    public void A_folder_of_other_files_is_never_turned_into_a_bank()
    {
        // E.g. --out pointing at a dataset folder: opening it would otherwise tidy away its images/*.png.
        using var temp = new TempFolder();
        string dataset = temp.File("dataset");
        Directory.CreateDirectory(Path.Combine(dataset, "images"));
        File.WriteAllBytes(Path.Combine(dataset, "images", "photo.png"), [1, 2, 3]);

        var ex = Assert.Throws<InvalidBankException>(() => InstanceBank.OpenOrCreate(dataset));
        Assert.Contains("no instance bank", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dataset, "images", "photo.png")));
        Assert.False(Directory.Exists(Path.Combine(dataset, "manifest")));
    }

    [Fact]
    public void A_writer_killed_while_taking_the_lock_leaves_a_folder_the_next_writer_opens()
    {
        // Killed between creating the lock and renaming its owner note into place: only lock files and a temporary
        // file are there, which is no one else's data, so the rerun (a resumed merge, a resumed run) carries on.
        using var temp = new TempFolder();
        string folder = temp.File("bank");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, BankLock.FileName), "");
        File.WriteAllText(Path.Combine(folder, ".tmp-" + BankLock.OwnerFileName + "-0123456789abcdef0123456789abcdef"), "pid 1");

        using (var bank = InstanceBank.OpenOrCreate(folder))
        {
            bank.Add(RandomRgba(5, 4, 4), Cat, "a.png", "plain");
        }

        Assert.Single(InstanceBank.Open(folder).Instances);
        Assert.Empty(Directory.EnumerateFiles(folder, ".tmp-*"));
    }

    [Fact]
    public void Parallel_batches_keep_their_order()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        var cutouts = Enumerable.Range(0, 40).Select(i => new NewBankInstance(RandomRgba(100 + i, 3 + i % 5, 2 + i % 7), i % 3 == 0 ? Dog : Cat, $"s/{i}", "plain")).ToArray();
        using (var bank = InstanceBank.Create(temp.File("bank"), new BankOptions { EncodeParallelism = 4 }))
        {
            var added = bank.AddRange(cutouts);
            Assert.Equal(cutouts.Select(c => c.Source), added.Select(i => i.Source));
            Assert.Equal(0, bank.PendingCount);
        }

        using var reader = InstanceBank.Open(temp.File("bank"));
        for (int i = 0; i < cutouts.Length; i++)
        {
            using Tensor loaded = reader.LoadImage(reader.Instances[i], verifyHash: true);
            Assert.True(SamePixels(cutouts[i].Rgba, loaded));
        }
    }

    internal static bool SamePixels(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.cpu().data<byte>().ToArray().AsSpan().SequenceEqual(b.cpu().data<byte>().ToArray());

    internal static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) is ".lock" or ".lock-owner")
            {
                continue;
            }

            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
