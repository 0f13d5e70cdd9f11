namespace XPaste.Hub;

/// <summary>
/// Options of <see cref="ModelStore"/>. The defaults follow <c>huggingface_hub</c>'s environment variables:
/// <c>HF_ENDPOINT</c>, <c>HF_HUB_CACHE</c> / <c>HF_HOME</c> / <c>XDG_CACHE_HOME</c>, <c>HF_HUB_OFFLINE</c> and <c>HF_TOKEN</c>,
/// read when the options object is created.
/// </summary>
public sealed class HubOptions
{
    /// <summary>Creates the options from the process's environment variables.</summary>
    public HubOptions()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Creates the options from <paramref name="environment"/> (tests pass their own, instead of changing the process's).</summary>
    internal HubOptions(Func<string, string?> environment)
    {
        Endpoint = environment("HF_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : "https://huggingface.co";
        CacheFolder = DefaultCacheFolder(environment);
        Offline = IsTruthy(environment("HF_HUB_OFFLINE"));
        Token = environment("HF_TOKEN") is { Length: > 0 } token ? token : null;
    }

    /// <summary>The Hub's address. Default <c>HF_ENDPOINT</c>, else <c>https://huggingface.co</c>.</summary>
    public string Endpoint { get; set; }

    /// <summary>
    /// The cache folder, laid out like <c>huggingface_hub</c>'s so both share it:
    /// <c>models--{org}--{name}/{blobs,refs,snapshots}</c>. Default <c>HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>,
    /// else <c>$XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c>.
    /// </summary>
    public string CacheFolder { get; set; }

    /// <summary>Never touch the network; only what is cached can be used. Default true when <c>HF_HUB_OFFLINE</c> is 1/true/yes/on.</summary>
    public bool Offline { get; set; }

    /// <summary>Bearer token for gated or private repositories. Default <c>HF_TOKEN</c>; public models need none.</summary>
    public string? Token { get; set; }

    /// <summary>Attempts per file before a transient failure (connection lost, 5xx) is final; each resumes. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry, doubled for each further one. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A download that receives nothing for this long is aborted (and retried). Default 60 s.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    private static string DefaultCacheFolder(Func<string, string?> environment)
    {
        if (environment("HF_HUB_CACHE") is { Length: > 0 } hubCache)
        {
            return hubCache;
        }

        if (environment("HF_HOME") is { Length: > 0 } home)
        {
            return Path.Combine(home, "hub");
        }

        string cache = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "huggingface", "hub");
    }

    private static bool IsTruthy(string? value) =>
        value is not null && (value.Equals("1", StringComparison.Ordinal) || value.Equals("true", StringComparison.OrdinalIgnoreCase)
            || value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value.Equals("on", StringComparison.OrdinalIgnoreCase));

    internal void Validate() => OptionsValidation.ThrowIfInvalid(new HubOptionsValidator(), this);
}
