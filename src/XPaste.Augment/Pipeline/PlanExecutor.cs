using XPaste.Masks;
using static TorchSharp.torch;

namespace XPaste.Augment;

/// <summary>
/// Turns sample plans into kernel inputs (loads and jitters destinations and sources, loads pool instances onto the
/// device) and runs the kernel. All tensors it makes are scoped to one call.
/// </summary>
internal sealed class PlanExecutor
{
    private readonly PasteKernel _kernel;
    private readonly LargeScaleJitterOptions _jitter;
    private readonly IAnnotatedImageSource? _dataset;
    private readonly IPasteInstancePool? _pool;
    private readonly Device _device;

    public PlanExecutor(PasteKernel kernel, LargeScaleJitterOptions jitter, IAnnotatedImageSource? dataset, IPasteInstancePool? pool, Device device)
    {
        _kernel = kernel;
        _jitter = jitter;
        _dataset = dataset;
        _pool = pool;
        _device = device;
    }

    /// <summary>Executes plans; <paramref name="destinations"/> replaces dataset loading when given (one per plan, not modified).</summary>
    public PasteBatch Execute(IReadOnlyList<SamplePlan> plans, IReadOnlyList<AnnotatedImage>? destinations)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var owned = new List<IDisposable>();
        try
        {
            var dsts = new AnnotatedImage[plans.Count];
            var pastes = new IReadOnlyList<PasteSource>[plans.Count];
            var instances = new Dictionary<int, Tensor>();
            for (int i = 0; i < plans.Count; i++)
            {
                SamplePlan plan = plans[i];
                AnnotatedImage dst = destinations is null ? LoadFromDataset(plan.Destination, plan.DestinationId, owned) : Check(destinations[i], plan);
                dst = ToDevice(dst, owned);
                if (plan.Jitter is not null)
                {
                    dst = Own(LargeScaleJitter.Apply(dst, plan.Jitter, _jitter.Antialias, _jitter.PadValue), owned);
                }

                if (dst.Width != plan.Width || dst.Height != plan.Height)
                {
                    throw new InvalidInputException($"plan for {plan.DestinationId}", $"the destination is {dst.Width}x{dst.Height} after its jitter, the plan says {plan.Width}x{plan.Height}");
                }

                dsts[i] = dst;
                pastes[i] = Resolve(plan, instances, owned);
            }

            PasteBatch batch = _kernel.Run(dsts, pastes);
            batch.MoveToOuterDisposeScope();
            return batch;
        }
        finally
        {
            foreach (IDisposable d in owned)
            {
                d.Dispose();
            }
        }
    }

    private List<PasteSource> Resolve(SamplePlan plan, Dictionary<int, Tensor> instances, List<IDisposable> owned)
    {
        var sources = new List<PasteSource>(plan.Steps.Count);
        foreach (PasteStep step in plan.Steps)
        {
            switch (step)
            {
                case InstancePasteStep s:
                    sources.Add(PasteSource.Instance(LoadInstance(s, instances), s.CategoryId, s.X, s.Y, s.Width, s.Height, s.Flip));
                    break;
                case ImagePasteStep s:
                    PasteSource? objects = ResolveObjects(s, plan, owned);
                    if (objects is not null)
                    {
                        sources.Add(objects);
                    }

                    break;
                default:
                    throw new InvalidInputException($"plan for {plan.DestinationId}", $"unknown step {step?.GetType().Name ?? "null"}");
            }
        }

        return sources;
    }

    private Tensor LoadInstance(InstancePasteStep s, Dictionary<int, Tensor> instances)
    {
        IPasteInstancePool pool = _pool ?? throw new InvalidOperationException("the plan pastes pool instances but no instance pool is configured");
        if (s.Instance < 0 || s.Instance >= pool.Instances.Count || pool.Instances[s.Instance].Id != s.InstanceId)
        {
            throw new InvalidInputException($"instance {s.InstanceId}", $"not at index {s.Instance} of the instance pool (was the plan made with another pool?)");
        }

        if (!instances.TryGetValue(s.Instance, out Tensor? pixels))
        {
            // The pool hands over a new tensor in this scope: used as it is on its device, moved (once) to another.
            Tensor loaded = pool.Load(s.Instance);
            if (_device.type == TorchSharp.DeviceType.CPU && loaded.device_type == TorchSharp.DeviceType.CPU)
            {
                pixels = loaded;
            }
            else
            {
                using (loaded)
                {
                    pixels = loaded.to(_device);
                }
            }

            instances.Add(s.Instance, pixels);
        }

        return pixels;
    }

    private PasteSource? ResolveObjects(ImagePasteStep s, SamplePlan plan, List<IDisposable> owned)
    {
        if (s.Jitter.OutputWidth != plan.Width || s.Jitter.OutputHeight != plan.Height)
        {
            throw new InvalidInputException($"plan for {plan.DestinationId}", $"source {s.ImageId} is jittered to {s.Jitter.OutputWidth}x{s.Jitter.OutputHeight}, the destination is {plan.Width}x{plan.Height}");
        }

        AnnotatedImage source = ToDevice(LoadFromDataset(s.Image, s.ImageId, owned), owned);
        AnnotatedImage jittered = Own(LargeScaleJitter.Apply(source, s.Jitter, _jitter.Antialias, _jitter.PadValue), owned);
        int n = jittered.Labels.Count;
        if (s.Objects.Any(o => o < 0 || o >= n))
        {
            throw new InvalidInputException($"plan for {plan.DestinationId}", $"source {s.ImageId} has {n} objects, the plan picks {string.Join(",", s.Objects)}");
        }

        if (s.Objects.Count == 0)
        {
            return null;
        }

        Tensor index = tensor(s.Objects.Select(o => (long)o).ToArray(), device: _device);
        Tensor masks = jittered.Masks.index_select(0, index);
        (Tensor box, _) = MaskBoxes.TightBoxes(masks.any(0).unsqueeze(0));
        float[] b = box.cpu().data<float>().ToArray();
        int x0 = (int)b[0], y0 = (int)b[1], x1 = (int)b[2], y1 = (int)b[3];
        if (x1 <= x0 || y1 <= y0)
        {
            // Every chosen object left the window in the source's jitter.
            return null;
        }

        Tensor rgb = jittered.Image.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0);
        Tensor crop = masks.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0);
        long[] labels = [.. s.Objects.Select(o => jittered.Labels[o])];
        return PasteSource.Objects(rgb, crop, labels, x0, y0);
    }

    private AnnotatedImage LoadFromDataset(int index, string id, List<IDisposable> owned)
    {
        IAnnotatedImageSource dataset = _dataset ?? throw new InvalidOperationException("the plan refers to dataset images but no dataset is configured");
        if (index < 0 || index >= dataset.Images.Count || dataset.Images[index].Id != id)
        {
            throw new InvalidInputException($"image {id}", $"not at index {index} of the dataset (was the plan made with another dataset?)");
        }

        return Own(dataset.Load(index), owned);
    }

    private static AnnotatedImage Check(AnnotatedImage image, SamplePlan plan)
    {
        if (image.Id != plan.DestinationId)
        {
            throw new InvalidInputException($"image {image.Id}", $"the plan is for image {plan.DestinationId}");
        }

        return image;
    }

    private AnnotatedImage ToDevice(AnnotatedImage image, List<IDisposable> owned)
    {
        if (image.Image.device_type == _device.type && image.Image.device_index == _device.index
            && image.Masks.device_type == _device.type && image.Masks.device_index == _device.index)
        {
            return image;
        }

        return Own(new AnnotatedImage(image.Id, image.Image.to(_device, copy: true), image.Masks.to(_device, copy: true), image.Labels, image.IsPasted), owned);
    }

    private static AnnotatedImage Own(AnnotatedImage image, List<IDisposable> owned)
    {
        owned.Add(image);
        return image;
    }
}
