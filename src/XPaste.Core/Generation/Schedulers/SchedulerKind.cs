namespace XPaste.Generation.Schedulers;

/// <summary>Which sampler a pipeline uses (the CLI's <c>--scheduler</c>).</summary>
public enum SchedulerKind
{
    /// <summary>The class the model folder's <c>scheduler_config.json</c> names (<c>config</c>).</summary>
    Config,

    /// <summary>DPM-Solver++ multistep (<c>dpm</c>), X-Paste's sampler.</summary>
    Dpm,

    /// <summary>DDIM, eta 0 (<c>ddim</c>).</summary>
    Ddim,

    /// <summary>PNDM, PLMS steps only (<c>pndm</c>).</summary>
    Pndm,

    /// <summary>Euler (<c>euler</c>).</summary>
    Euler,

    /// <summary>Euler ancestral (<c>euler-a</c>): fresh noise from the caller's generators every step.</summary>
    EulerAncestral,

    /// <summary>
    /// Latent consistency (<c>lcm</c>), for LCM-distilled models: 2-8 steps, guidance as an embedding, no
    /// classifier-free guidance. What <c>config</c> gives for a folder whose scheduler is <c>LCMScheduler</c>.
    /// </summary>
    Lcm,
}
