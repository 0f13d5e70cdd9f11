using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using XPaste.Clip;
using XPaste.Hub;
using XPaste.Imaging;
using static TorchSharp.torch;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste clip tokenize TEXT...</c>, <c>xpaste clip score --model M IMAGE... --text TEXT...</c> and
/// <c>xpaste clip download [REPO]</c>. A model is a Hugging Face CLIP folder or a Hub repository id, fetched into
/// the Hugging Face cache (HF_HOME, HF_ENDPOINT and HF_HUB_OFFLINE apply) on first use.
/// </summary>
internal static class ClipCommand
{
    private const string DefaultRepo = ClipHub.DefaultRepo;

    private static readonly string[] TokenizerFiles = ["vocab.json", "merges.txt"];

    public static Command Create()
    {
        var command = new Command("clip", "CLIP: tokenize text, score images against texts, download models.");
        command.Subcommands.Add(Tokenize());
        command.Subcommands.Add(Score());
        command.Subcommands.Add(Download());
        return command;
    }

    private static Option<string> ModelOption(string description) => new("--model", "-m")
    {
        Description = description,
        DefaultValueFactory = _ => DefaultRepo,
    };

    private static Command Tokenize()
    {
        var texts = new Argument<string[]>("text") { Description = "Texts to tokenize.", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string?>("--model", "-m")
        {
            Description = "Model folder or Hub repository whose vocab.json and merges.txt to use (default: CLIP's own vocabulary, bundled with XPaste: no download).",
        };
        var bare = new Option<bool>("--bare") { Description = "Print the BPE ids only, without start/end tokens and padding." };
        var command = new Command("tokenize", "Print CLIP token ids: start, BPE ids, end (the 77-token row without its padding).") { texts, model, bare };
        command.SetAction((parse, cancellationToken) => Guard(async () =>
        {
            ClipTokenizer tokenizer = parse.GetValue(model) is { } name
                ? ClipTokenizer.FromFolder(await ResolveAsync(name, TokenizerFiles, cancellationToken).ConfigureAwait(false))
                : ClipTokenizer.CreateDefault();
            foreach (string text in parse.GetValue(texts)!)
            {
                IEnumerable<long> ids;
                if (parse.GetValue(bare))
                {
                    ids = tokenizer.Encode(text).Select(i => (long)i);
                }
                else
                {
                    using Tensor row = tokenizer.Tokenize([text]);
                    ids = row.data<long>().ToArray().Reverse().SkipWhile(id => id == 0).Reverse().ToArray();
                }

                Console.WriteLine(string.Join(' ', ids.Select(i => i.ToString(CultureInfo.InvariantCulture))));
            }

            return 0;
        }));
        return command;
    }

    private static Command Score()
    {
        var images = new Argument<FileInfo[]>("image") { Description = "Images to score (RGBA cut-outs are scored on white, as X-Paste does).", Arity = ArgumentArity.OneOrMore };
        var texts = new Option<string[]>("--text", "-t") { Description = "Texts to score against (repeat the option).", Required = true, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = true };
        var model = ModelOption($"Model folder or Hub repository (default {DefaultRepo}).");
        var device = DeviceChoice.CreateOption();
        var precision = new Option<ClipPrecision>("--precision") { Description = "Auto (fp16 on CUDA, fp32 on the CPU), Fp32, Fp16, or Bf16 (opt-in on CPUs with bf16 support: less CPU time, embeddings within about 1.3% of fp32; see docs/performance.md).", DefaultValueFactory = _ => ClipPrecision.Auto };
        var command = new Command("score", "Print exp(logit_scale) x cosine (100 x cosine for OpenAI's models) of every image against every text.")
        {
            images, texts, model, device, precision,
        };
        command.SetAction((parse, cancellationToken) => Guard(async () =>
        {
            Device target = DeviceChoice.Resolve(parse.GetValue(device)!);
            string folder = await ResolveAsync(parse.GetValue(model)!, null, cancellationToken).ConfigureAwait(false);
            string[] prompts = parse.GetValue(texts)!;
            FileInfo[] files = parse.GetValue(images)!;
            using ClipModel clip = ClipModel.FromPretrained(folder, new ClipModelOptions { Device = target, Precision = parse.GetValue(precision) }, cancellationToken);
            ClipTokenizer tokenizer = ClipTokenizer.FromFolder(folder);
            var processor = new ClipImageProcessor(ClipImageProcessorOptions.ForImageSize(clip.ImageSize));

            using var scope = NewDisposeScope();
            Tensor text = clip.GetTextFeatures(tokenizer.Tokenize(prompts));
            var table = new Table().AddColumn("image");
            foreach (string prompt in prompts)
            {
                table.AddColumn(new TableColumn(Markup.Escape(prompt)).RightAligned());
            }

            foreach (FileInfo file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var imageScope = NewDisposeScope();
                Tensor image = ClipImageProcessor.ScoringView(ImageIO.Load(file.ToString()));
                float[] scores = clip.Logits(clip.GetImageFeatures(processor.Preprocess([image], clip.Device)), text).cpu().data<float>().ToArray();
                int best = Array.IndexOf(scores, scores.Max());
                // The path, not the file name: cat/0000.png and cup/0000.png are different rows.
                string label = Path.IsPathRooted(file.ToString()) ? Path.GetRelativePath(Environment.CurrentDirectory, file.FullName) : file.ToString();
                table.AddRow([Markup.Escape(label), .. scores.Select((s, i) => i == best ? $"[bold]{s:F2}[/]" : $"{s:F2}")]);
            }

            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Download()
    {
        var repo = new Argument<string>("repo") { Description = $"Hub repository (default {DefaultRepo}).", DefaultValueFactory = _ => DefaultRepo };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit.", DefaultValueFactory = _ => "main" };
        var all = new Option<bool>("--all") { Description = "Every file of the repository, not only what XPaste needs (config, tokenizer, one weights file)." };
        var command = new Command("download", "Fetch a CLIP model into the Hugging Face cache (resumable, verified) and print its folder.") { repo, revision, all };
        command.SetAction((parse, cancellationToken) => Guard(async () =>
        {
            string folder = await FetchAsync(parse.GetValue(repo)!, parse.GetValue(revision)!, parse.GetValue(all) ? null : [], cancellationToken).ConfigureAwait(false);
            Console.WriteLine(folder);
            return 0;
        }));
        return command;
    }

    /// <summary>A CLIP model folder as it is, or a Hub repository id fetched (only what CLIP needs) into the cache.</summary>
    internal static Task<string> ResolveModelAsync(string model, CancellationToken cancellationToken) =>
        ResolveAsync(model, null, cancellationToken);

    // A folder as it is, or a repository id fetched (only the files needed) into the cache.
    private static async Task<string> ResolveAsync(string model, string[]? files, CancellationToken cancellationToken)
    {
        using var store = new ModelStore();
        return await ConsoleProgress.RunAsync(model, (progress, token) => ClipHub.ResolveAsync(model, store, files, progress, token), cancellationToken)
            .ConfigureAwait(false);
    }

    // files: null = everything, empty = what a CLIP model needs (ClipHub), else exactly these.
    private static async Task<string> FetchAsync(string repoId, string revision, string[]? files, CancellationToken cancellationToken)
    {
        using var store = new ModelStore();
        return await ConsoleProgress.RunAsync(repoId, (progress, token) => files is { Length: 0 }
            ? ClipHub.DownloadAsync(store, repoId, revision, progress, token)
            : store.DownloadAsync(repoId, revision, files, progress, token), cancellationToken).ConfigureAwait(false);
    }

    // Failures are reported once, for every command, by CliApp.RunAsync.
    private static Task<int> Guard(Func<Task<int>> run) => run();
}
