using System.Globalization;
using System.CommandLine;
using XPaste.Generation;
using XPaste.Generation.Categories;

namespace XPaste.Cli.Commands;

/// <summary>
/// <c>xpaste generate --model M --prompt P --out DIR</c>: text-to-image with Stable Diffusion, a one-category run of
/// <see cref="CategoryImageGenerator"/>. Image <c>i</c> comes from seed <c>s + i</c> and is written to
/// <c>DIR/{i:0000}.png</c> atomically; a rerun skips the images already there and refuses other settings by name.
/// With <c>--categories FILE --per-category N</c> it makes the reference's per-category images,
/// <c>DIR/{category}/{k:04d}.png</c> with one metadata line each, sharded like <c>bank run</c>.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var generation = new GenerationArguments(modelRequired: true, "--batch",
            "Image i uses seed + i (the picture diffusers makes with torch.Generator('cpu').manual_seed(seed + i)); with --categories, the run seed image k of a category derives from.");
        var categories = new CategoryArguments(required: false);
        var prompt = new Option<string?>("--prompt", "-p") { Description = "What to draw. With --categories, the template: {name} is the category name with underscores as spaces (default 'a photo of a single {name}')." };
        var count = new Option<int>("--count", "-n") { Description = "How many images (without --categories).", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var perCategory = new Option<int>("--per-category") { Description = "Images per category (with --categories; X-Paste: 100).", DefaultValueFactory = _ => 100 }.AtLeast(1);
        var startOver = new Option<bool>("--start-over") { Description = "Make the images again when the folder holds images of other settings (prompt, seed, model, scheduler, size, guidance...), instead of refusing." };
        var device = DeviceChoice.CreateOption();
        var output = new Option<string>("--out", "-o") { Description = "Output folder: 0000.png, 0001.png, ... (with --categories: {category}/0000.png, ...).", Required = true }.NotAFile();
        var command = new Command("generate", "Generate images from a text prompt with Stable Diffusion (seeded, resumable), or every category's images of a dataset (--categories).")
        {
            prompt, count, perCategory, startOver, device, output,
        };
        generation.AddTo(command);
        categories.AddTo(command);
        command.SetAction((parse, cancellationToken) => BankCommand.Run(() => parse.GetValue(categories.File) is null
            ? RunAsync(parse, generation, parse.GetValue(prompt), parse.GetValue(count), parse.GetValue(startOver), parse.GetValue(device)!, parse.GetValue(output)!, cancellationToken)
            : RunCategoriesAsync(parse, generation, categories, parse.GetValue(prompt), parse.GetValue(perCategory), parse.GetValue(startOver),
                parse.GetValue(device)!, parse.GetValue(output)!, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, GenerationArguments generation, string? prompt, int count, bool startOver, string device, string output,
        CancellationToken cancellationToken)
    {
        if (prompt is null)
        {
            throw new CliUsageException("--prompt: required (or --categories for per-category images)");
        }

        if (count < 1)
        {
            throw new CliUsageException($"--count: must be at least 1 (got {count})");
        }

        // Image i uses seed + i: checked before any image is written, not when image i's seed turns negative.
        long seed = generation.Seed(parse);
        if (seed > long.MaxValue - (count - 1))
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--seed: {seed} is too large for {count} images (image i uses seed + i); at most {long.MaxValue - (count - 1)}"));
        }

        // A one-category run of the category generator: same settings record, refusal by name and --start-over.
        CategoryGenerationOptions options = generation.CategoryOptions(parse, null, count, startOver);
        if (options.Prompts is not null)
        {
            throw new CliUsageException("--prompts: per-category prompt lists need --categories (a plain run has one --prompt)");
        }

        // A finished folder is recognised (or another one's settings refused) before the model loads: a rerun is instant.
        var resolved = DeviceChoice.Resolve(device);
        if (CategoryImageGenerator.IsPromptRunComplete(output, prompt, seed, count, generation.KnownSettings(parse, resolved), startOver))
        {
            Console.Error.WriteLine($"all {count} image(s) are already in {output}");
            return 0;
        }

        using StableDiffusionGenerator generator = generation.CreateGenerator(parse, resolved, cancellationToken);
        var stage = new CategoryImageGenerator(generator, options);
        try
        {
            CategoryGenerationResult result = await ConsoleProgress.RunAsync("generate",
                (progress, token) => Task.Run(() => stage.RunPrompt(output, prompt, progress, token), token), cancellationToken).ConfigureAwait(false);
            if (result.Generated == 0)
            {
                Console.Error.WriteLine($"all {count} image(s) are already in {output}");
                return 0;
            }

            Console.WriteLine($"{result.Generated} image(s) written to {output}" + (result.Kept > 0 ? $" ({result.Kept} already there)" : string.Empty));
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"cancelled: the images written are kept in {output}; run the same command again to continue");
            return ExitCodes.Canceled;
        }
    }

    private static async Task<int> RunCategoriesAsync(ParseResult parse, GenerationArguments generation, CategoryArguments categoryArguments,
        string? template, int perCategory, bool startOver, string device, string output, CancellationToken cancellationToken)
    {
        var all = categoryArguments.Categories(parse);
        var shard = categoryArguments.Shard(parse);
        CategoryGenerationOptions options = generation.CategoryOptions(parse, template, perCategory, startOver);
        var mine = all.Where(c => shard.Contains(c.Name)).ToList();
        Console.Error.WriteLine($"shard {shard}: {mine.Count} of {all.Count} categories, {options.PerCategory} images each, into {output}");
        using StableDiffusionGenerator generator = generation.CreateGenerator(parse, DeviceChoice.Resolve(device), cancellationToken);
        var stage = new CategoryImageGenerator(generator, options);
        try
        {
            CategoryGenerationResult result = await ConsoleProgress.RunAsync("generate",
                (progress, token) => Task.Run(() => stage.Run(output, mine, progress, token), token), cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"{result.Generated} image(s) written to {output} ({result.Kept} already there)");
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"cancelled: the images written are kept in {output}; run the same command again to continue");
            return ExitCodes.Canceled;
        }
    }
}
