using XPaste.Abstractions;
using XPaste.Bank;
using static TorchSharp.torch;

namespace XPaste.Tests.Bank;

public sealed class InstanceBankConcurrencyTests
{
    /// <summary>
    /// Threads add category 3 under two names at once. Names are checked before the lock is released for PNG
    /// encoding, so every thread passes that first check; only a second check when the instance is registered stops
    /// the loser. Each round must end with the losing name's threads refused and a bank that opens.
    /// </summary>
    [Fact]
    public void Conflicting_category_names_from_many_threads_refuse_the_loser_and_leave_a_bank_that_opens()
    {
        const int Rounds = 12, Threads = 8;
        using var temp = new TempFolder();
        for (int round = 0; round < Rounds; round++)
        {
            string folder = temp.File($"bank{round}");
            var failures = new Exception?[Threads];
            var names = new string[Threads];
            using (var bank = InstanceBank.Create(folder, new BankOptions { CommitEvery = 1 }))
            {
                using var start = new Barrier(Threads);
                var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
                {
                    names[t] = t % 2 == 0 ? "cat" : "kitten";
                    using var scope = NewDisposeScope();
                    // Large enough that encoding keeps the lock released while the other threads check the name.
                    Tensor rgba = InstanceBankTests.RandomRgba((round * Threads) + t, 96, 96);
                    start.SignalAndWait();
                    try
                    {
                        bank.Add(rgba, new CategoryInfo(3, names[t]), $"s/{t}", "plain");
                    }
                    catch (Exception ex)
                    {
                        failures[t] = ex;
                    }
                })).ToArray();
                foreach (Thread thread in threads)
                {
                    thread.Start();
                }

                foreach (Thread thread in threads)
                {
                    thread.Join();
                }

                string winner = bank.Categories.Single().Name;
                for (int t = 0; t < Threads; t++)
                {
                    if (names[t] == winner)
                    {
                        Assert.Null(failures[t]);
                    }
                    else
                    {
                        var refused = Assert.IsType<ArgumentException>(failures[t]);
                        Assert.Contains($"category 3 is '{winner}' in this bank, not '{names[t]}'", refused.Message, StringComparison.Ordinal);
                    }
                }

                Assert.Equal(Threads / 2, bank.Count);
            }

            using var reopened = InstanceBank.Open(folder);
            Assert.Equal(Threads / 2, reopened.Count);
            Assert.Single(reopened.Categories);
        }
    }
}
