using System.Text;
using CsCheck;
using XPaste.Bank;
using XPaste.Coco;
using XPaste.Imaging;
using XPaste.Masks;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Tests.Fuzzing;

/// <summary>
/// Property-based fuzzing with a fixed time budget (<see cref="Mutator.Seconds"/> per property): random mutations
/// of valid inputs are either read or refused with the library's documented exception (an
/// <see cref="InvalidInputException"/>), never anything else, and never allocate beyond the limits. A failure prints
/// the seed; <c>Mutator.Apply(original, seed)</c> gives the input back.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>Managed bytes one parse may allocate: a few times the input plus decoded masks, far below a runaway.</summary>
    private const long AllocationLimit = 256L << 20;

    [Fact]
    public void Mutated_coco_json_is_read_or_refused_by_name()
    {
        byte[] original = Encoding.UTF8.GetBytes(Coco.CocoDatasetTests.Sample);
        var skip = new CocoLoadOptions { InvalidAnnotations = InvalidAnnotationHandling.Skip };
        Mutator.Of(original).Sample(
            input =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                foreach (CocoLoadOptions options in new[] { CocoLoadOptions.Default, skip })
                {
                    CocoDataset dataset;
                    try
                    {
                        dataset = CocoDataset.Parse(input.Bytes, "fuzz.json", options);
                    }
                    catch (CocoFormatException ex)
                    {
                        Assert.StartsWith("fuzz.json: ", ex.Message, StringComparison.Ordinal);
                        continue;
                    }

                    // Whatever was kept is valid: its box lies in its image and its mask decodes.
                    foreach (CocoAnnotation annotation in dataset.Annotations)
                    {
                        CocoImage image = dataset.GetImage(annotation.ImageId);
                        if (annotation.Bbox is { } box)
                        {
                            Assert.True(double.IsFinite(box.X + box.Y + box.Width + box.Height) && box.Width >= 0 && box.Height >= 0
                                && box.X >= -1 && box.Y >= -1 && box.Right <= image.Width + 1 && box.Bottom <= image.Height + 1,
                                $"annotation {annotation.Id} kept with bbox {box} in a {image.Width}x{image.Height} image");
                        }

                        if (annotation.Segmentation is not null && (long)image.Width * image.Height <= 1 << 22)
                        {
                            Assert.True(dataset.TryDecodeMask(annotation, out _, out string? problem), $"annotation {annotation.Id} kept but: {problem}");
                        }
                    }
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < AllocationLimit, $"allocated {allocated} bytes");
            },
            time: Mutator.Seconds,
            print: input => $"seed {input.Seed}: {Encoding.UTF8.GetString(input.Bytes)}");
    }

    [Fact]
    public void Random_and_mutated_rle_strings_are_decoded_or_refused()
    {
        string valid = Rle.FromCounts(10, 12, [11u, 3u, 7u, 3u, 96u]).ToCompressedString();
        Gen<(int Seed, string Text, int Height, int Width)> gen =
            Gen.Select(
                Gen.OneOf(
                    Mutator.Of(Encoding.ASCII.GetBytes(valid)).Select(m => (m.Seed, Encoding.Latin1.GetString(m.Bytes))),
                    Gen.String[Gen.Char[(char)0, (char)130], 0, 40].Select(s => (0, s))),
                Gen.Int[0, 40],
                Gen.Int[0, 40])
            .Select((t, h, w) => (t.Item1, t.Item2, h, w));
        gen.Sample(
            input =>
            {
                try
                {
                    Rle rle = Rle.FromCompressedString(input.Text, input.Height, input.Width);
                    Assert.Equal((long)input.Height * input.Width, rle.Counts.ToArray().Sum(c => (long)c));
                }
                catch (InvalidRleException)
                {
                }
            },
            time: Mutator.Seconds,
            print: input => $"'{input.Text}' {input.Height}x{input.Width}");
    }

    [Fact]
    public void Mutated_safetensors_headers_are_read_or_refused_by_name()
    {
        using var temp = new TempFolder();
        string valid = temp.File("valid.safetensors");
        using (NewDisposeScope())
        {
            StateDictFile.SaveSafetensors(valid, new Dictionary<string, Tensor>
            {
                ["a.weight"] = arange(12, ScalarType.Float32).reshape(3, 4),
                ["a.bias"] = ones(3, ScalarType.Float16),
                ["b"] = zeros(new long[] { 2, 0 }, ScalarType.Int64),
                ["c"] = ones(5, ScalarType.Byte),
            });
        }

        byte[] file = File.ReadAllBytes(valid);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(file);
        byte[] header = file[8..headerEnd], data = file[headerEnd..];
        int index = 0;
        // Byte-level mutations, and structural ones (offsets of one tensor given to another, negative or other
        // dimensions, dtypes swapped, entries dropped) that keep the JSON valid so the layout checks are reached.
        Gen<(int Seed, byte[] Bytes)> mutations = Gen.Frequency((1, Mutator.Of(header)), (1, Gen.Int.Select(seed => (seed, HeaderMutator.Apply(header, seed)))));
        Gen.Select(mutations, Gen.Bool, Gen.Int[-16, 16]).Select((m, k, d) => (Mutation: m, KeepLength: k, Delta: d)).Sample(
            input =>
            {
                ((int Seed, byte[] Bytes) mutation, bool keepLength, int lengthDelta) = input;
                byte[] mutated = mutation.Bytes;
                ulong length = keepLength ? (ulong)mutated.Length : (ulong)Math.Max(0, mutated.Length + lengthDelta);
                string path = temp.File($"m{Interlocked.Increment(ref index)}.safetensors");
                File.WriteAllBytes(path, [.. BitConverter.GetBytes(length), .. mutated, .. data]);
                try
                {
                    Dictionary<string, Tensor> tensors = StateDictFile.Load(path);
                    long bytes = tensors.Values.Sum(t => t.NumberOfElements * t.ElementSize);
                    foreach (Tensor t in tensors.Values)
                    {
                        t.Dispose();
                    }

                    // Read means every byte of the data section belongs to exactly one tensor.
                    long dataLength = new FileInfo(path).Length - 8 - (long)length;
                    Assert.True(bytes == dataLength, $"{bytes} bytes of tensors from a data section of {dataLength} bytes");
                }
                catch (InvalidWeightsException ex)
                {
                    Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
                }
                finally
                {
                    File.Delete(path);
                }
            },
            time: Mutator.Seconds,
            print: input => $"seed {input.Mutation.Seed}, length {(input.KeepLength ? "kept" : input.Delta)}: {Encoding.UTF8.GetString(input.Mutation.Bytes)}");
    }

    [Fact]
    public void Mutated_bank_manifests_open_or_are_refused_by_name()
    {
        using var temp = new TempFolder();
        string bankFolder = temp.File("bank");
        using (NewDisposeScope())
        using (var bank = InstanceBank.Create(bankFolder))
        {
            bank.Add(Bank.InstanceBankTests.RandomRgba(1, 4, 5), new XPaste.Abstractions.CategoryInfo(3, "cat"), "s/0", "plain");
            bank.Add(Bank.InstanceBankTests.RandomRgba(2, 3, 3), new XPaste.Abstractions.CategoryInfo(7, "dog"), "s/1", "plain", 22.5f);
            bank.Reject(new BankRejection("s/2", null, RejectionKind.EmptyMask, "plain"));
        }

        string segment = Directory.GetFiles(Path.Combine(bankFolder, "manifest"), "seg-*.json").Single();
        byte[] original = File.ReadAllBytes(segment);
        byte[] summary = File.ReadAllBytes(Path.Combine(bankFolder, "bank.json"));
        var gate = new object();
        Mutator.Of(original).Sample(
            input =>
            {
                // One bank folder: one mutation at a time.
                lock (gate)
                {
                    File.WriteAllBytes(segment, input.Bytes);
                    File.WriteAllBytes(Path.Combine(bankFolder, "bank.json"), summary);
                    try
                    {
                        using InstanceBankReader bank = InstanceBank.Open(bankFolder);
                        foreach (BankInstance instance in bank.Instances)
                        {
                            try
                            {
                                using Tensor pixels = bank.LoadImage(instance);
                            }
                            catch (InvalidInputException)
                            {
                            }
                        }
                    }
                    catch (InvalidInputException ex)
                    {
                        Assert.False(string.IsNullOrWhiteSpace(ex.Input));
                    }
                }
            },
            time: Mutator.Seconds,
            threads: 1,
            print: input => $"seed {input.Seed}: {Encoding.UTF8.GetString(input.Bytes)}");
    }

    [Fact]
    public void Mutated_png_and_jpeg_bytes_decode_within_the_pixel_limit_or_are_refused()
    {
        byte[] png, jpeg;
        using (NewDisposeScope())
        {
            Tensor image = Bank.InstanceBankTests.RandomRgba(5, 12, 16);
            png = ImageIO.EncodePng(image);
            jpeg = ImageIO.EncodeJpeg(image[..3]);
        }

        var options = new ImageLoadOptions { MaxPixels = 4096 };
        Gen.OneOf(Mutator.Of(png), Mutator.Of(jpeg)).Sample(
            input =>
            {
                try
                {
                    using Tensor decoded = ImageIO.Decode(input.Bytes, "fuzz.img", options);
                    Assert.True(decoded.shape[1] * decoded.shape[2] <= options.MaxPixels, $"{decoded.shape[2]}x{decoded.shape[1]}");
                }
                catch (InvalidImageException ex)
                {
                    Assert.StartsWith("fuzz.img: ", ex.Message, StringComparison.Ordinal);
                }
            },
            time: Mutator.Seconds,
            print: input => $"seed {input.Seed}");
    }
}
