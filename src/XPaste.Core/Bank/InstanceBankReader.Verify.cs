using System.Security.Cryptography;

namespace XPaste.Bank;

/// <content>Checking every cut-out against the manifest.</content>
public partial class InstanceBankReader
{
    /// <summary>
    /// Reads every cut-out and checks it against its manifest entry: the file exists, its SHA-256 is the recorded
    /// one, and it decodes to the recorded size. Nothing is changed.
    /// </summary>
    /// <param name="progress">Receives <c>verify</c> progress in instances; may be null.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>One problem per instance that fails, in manifest order; empty when the bank is intact.</returns>
    public IReadOnlyList<BankProblem> Verify(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<BankInstance> instances = Instances;
        var problems = new List<BankProblem>();
        for (int i = 0; i < instances.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BankInstance instance = instances[i];
            try
            {
                string path = GetFullPath(instance);
                if (!File.Exists(path))
                {
                    problems.Add(new BankProblem(instance, path, "missing"));
                }
                else
                {
                    byte[] bytes = File.ReadAllBytes(path);
                    string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                    if (!string.Equals(hash, instance.ContentHash, StringComparison.Ordinal))
                    {
                        problems.Add(new BankProblem(instance, path, $"SHA-256 {hash} differs from the manifest's {instance.ContentHash}"));
                    }
                    else
                    {
                        using var pixels = LoadImage(instance, verifyHash: false);
                    }
                }
            }
            catch (InvalidInputException ex)
            {
                problems.Add(new BankProblem(instance, ex.Input, ex.Problem));
            }

            progress?.Report(new OperationProgress("verify", i + 1, instances.Count, "instances"));
        }

        return problems;
    }
}
