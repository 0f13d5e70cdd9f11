using System.Reflection;
using TorchSharp;
using XPaste.Weights;
using static TorchSharp.torch;

namespace XPaste.Generation;

/// <summary>
/// Strict loading into a module built on <see cref="torch.META"/>: the checkpoint is compared with the module's
/// names and shapes (the weights layer's report: missing, unexpected, mis-shaped), then every parameter is
/// replaced by the checkpoint tensor on the target device and dtype. Nothing is allocated twice.
/// </summary>
internal static class MetaWeights
{
    private static readonly MethodInfo Register = typeof(nn.Module).GetMethod("ConditionallyRegisterParameter",
        BindingFlags.Instance | BindingFlags.NonPublic, [typeof(string), typeof(TorchSharp.Modules.Parameter)])
        ?? throw new MissingMethodException("TorchSharp nn.Module.ConditionallyRegisterParameter");

    /// <summary>Checks and loads; the checkpoint tensors stay owned by the caller.</summary>
    public static WeightLoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source, Device device,
        ScalarType dtype, Func<string, bool>? ignore = null)
    {
        ignore ??= _ => false;
        Dictionary<string, Tensor> targets = module.state_dict();
        var loaded = new List<string>();
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        foreach (var (name, target) in targets)
        {
            if (!weights.TryGetValue(name, out Tensor? value))
            {
                missing.Add(name);
            }
            else if (!target.shape.SequenceEqual(value.shape))
            {
                mismatched.Add(new ShapeMismatch(name, target.shape, value.shape));
            }
            else
            {
                loaded.Add(name);
            }
        }

        var unexpected = weights.Keys.Where(k => !targets.ContainsKey(k) && !ignore(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var report = new WeightLoadReport(source, loaded, missing, unexpected, mismatched);
        if (!report.IsExact)
        {
            throw new WeightsMismatchException(report);
        }

        using (no_grad())
        {
            Materialize(module, "", weights, device, dtype);
        }

        return report;
    }

    private static void Materialize(nn.Module module, string prefix, IReadOnlyDictionary<string, Tensor> weights, Device device, ScalarType dtype)
    {
        foreach (var (name, _) in module.named_parameters(recurse: false).ToList())
        {
            Tensor source = weights[prefix + name];
            Tensor value = torch.is_floating_point(source) ? source.to(dtype, device) : source.to(device);
            if (ReferenceEquals(value, source))
            {
                value = source.alias();
            }

            var parameter = new TorchSharp.Modules.Parameter(value, requires_grad: false);
            Set(module, name, parameter);
        }

        foreach (var (name, child) in module.named_children())
        {
            Materialize(child, prefix + name + ".", weights, device, dtype);
        }
    }

    // Built-in modules expose settable weight/bias properties; our own modules hold parameters in fields.
    private static void Set(nn.Module module, string name, TorchSharp.Modules.Parameter parameter)
    {
        PropertyInfo? property = module.GetType().GetProperty(name, BindingFlags.Instance | BindingFlags.Public);
        if (property is { CanWrite: true } && property.PropertyType.IsAssignableFrom(typeof(TorchSharp.Modules.Parameter)))
        {
            property.SetValue(module, parameter);
            return;
        }

        Register.Invoke(module, [name, parameter]);
        for (Type? type = module.GetType(); type is not null; type = type.BaseType)
        {
            FieldInfo? field = type.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            if (field is not null && field.FieldType.IsAssignableFrom(typeof(TorchSharp.Modules.Parameter)))
            {
                field.SetValue(module, parameter);
                return;
            }
        }
    }
}
