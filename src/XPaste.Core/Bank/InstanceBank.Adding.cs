using System.Globalization;
using System.Security.Cryptography;
using XPaste.Abstractions;
using XPaste.Imaging;
using XPaste.IO;
using static TorchSharp.torch;

namespace XPaste.Bank;

/// <content>Adding cut-outs: checks, parallel PNG encoding, registration under the lock.</content>
public sealed partial class InstanceBank
{
    private BankInstance[] AddCore(IReadOnlyList<NewBankInstance> cutouts, bool commit)
    {
        for (int i = 0; i < cutouts.Count; i++)
        {
            Validate(cutouts[i], cutouts.Count == 1 ? "rgba" : $"cutouts[{i}]");
        }

        // Fail fast before encoding; checked again below, when the instances are registered.
        lock (_gate)
        {
            ThrowIfNotWritable();
            CheckCategories(cutouts);
        }

        // Encoding dominates; it runs outside the lock, in parallel for batches.
        var encoded = new BankInstance[cutouts.Count];
        void EncodeOne(int i)
        {
            NewBankInstance cutout = cutouts[i];
            byte[] png = ImageIO.EncodePng(cutout.Rgba);
            string hash = Convert.ToHexStringLower(SHA256.HashData(png));
            string id = InstanceId(cutout.Source, cutout.Extractor, cutout.Category.Id, hash);
            var instance = new BankInstance
            {
                Id = id,
                CategoryId = cutout.Category.Id,
                CategoryName = cutout.Category.Name,
                File = string.Create(CultureInfo.InvariantCulture, $"{ImagesFolderName}/{cutout.Category.Id}/{id}.png"),
                Source = cutout.Source,
                Origin = cutout.Origin,
                Extractor = cutout.Extractor,
                ClipScore = cutout.ClipScore,
                RunnerUpScores = cutout.RunnerUpScores is { Count: > 0 } runnersUp ? new Dictionary<string, float>(runnersUp, StringComparer.Ordinal) : null,
                Width = (int)cutout.Rgba.shape[2],
                Height = (int)cutout.Rgba.shape[1],
                ContentHash = hash,
            };
            if (!TryGetInstance(id, out _))
            {
                AtomicFile.WriteAllBytes(Path.Combine(Folder, ImagesFolderName, cutout.Category.Id.ToString(CultureInfo.InvariantCulture), id + ".png"), png);
            }

            encoded[i] = instance;
        }

        if (cutouts.Count == 1 || _options.EncodeParallelism == 1)
        {
            for (int i = 0; i < cutouts.Count; i++)
            {
                EncodeOne(i);
            }
        }
        else
        {
            try
            {
                Parallel.For(0, cutouts.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.EncodeParallelism }, EncodeOne);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
                throw;
            }
        }

        lock (_gate)
        {
            ThrowIfNotWritable();
            // Again: another thread may have registered one of these categories under another name while the lock was
            // released for encoding. The loser's PNGs stay unlisted and are removed as orphans on the next open.
            CheckCategories(cutouts);
            var result = new BankInstance[encoded.Length];
            for (int i = 0; i < encoded.Length; i++)
            {
                if (_byId.TryGetValue(encoded[i].Id, out BankInstance? existing))
                {
                    result[i] = existing;
                    continue;
                }

                RegisterLocked(encoded[i]);
                _pendingInstances.Add(encoded[i]);
                result[i] = encoded[i];
            }

            if (commit || _pendingInstances.Count + _pendingRejections.Count >= _options.CommitEvery)
            {
                CommitLocked();
            }

            return result;
        }
    }

    private static void Validate(NewBankInstance cutout, string name)
    {
        if (cutout is null)
        {
            throw new ArgumentNullException(name);
        }

        Tensor rgba = cutout.Rgba ?? throw new ArgumentException("the cut-out has no pixels", name);
        if (rgba.dtype != ScalarType.Byte || rgba.dim() != 3 || rgba.shape[0] != 4 || rgba.shape[1] < 1 || rgba.shape[2] < 1)
        {
            throw new ArgumentException($"expected a non-empty uint8 [4,H,W] RGBA cut-out, got {rgba.dtype} [{string.Join(",", rgba.shape)}]", name);
        }

        if (cutout.Category is null || string.IsNullOrEmpty(cutout.Category.Name))
        {
            throw new ArgumentException("the category must have a name", name);
        }

        if (string.IsNullOrEmpty(cutout.Source) || string.IsNullOrEmpty(cutout.Extractor))
        {
            throw new ArgumentException("source and extractor must be non-empty", name);
        }

        if (cutout.ClipScore is float score && !float.IsFinite(score))
        {
            throw new ArgumentException($"the CLIP score must be finite, got {score}", name);
        }

        if (cutout.RunnerUpScores is { } runnersUp && runnersUp.Any(p => string.IsNullOrEmpty(p.Key) || !float.IsFinite(p.Value)))
        {
            throw new ArgumentException("runner-up scores need extractor names and finite scores", name);
        }
    }

    private void CheckCategories(IReadOnlyList<NewBankInstance> cutouts)
    {
        var batch = new Dictionary<int, string>();
        foreach (NewBankInstance cutout in cutouts)
        {
            CategoryInfo category = cutout.Category;
            string? known = _categoryNames.TryGetValue(category.Id, out string? inBank) ? inBank
                : batch.TryGetValue(category.Id, out string? inBatch) ? inBatch : null;
            if (known is not null && !string.Equals(known, category.Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"category {category.Id} is '{known}' in this bank, not '{category.Name}'", nameof(cutouts));
            }

            batch[category.Id] = category.Name;
        }
    }
}
