using Mono.Cecil;
using Mono.Cecil.Cil;

namespace XPaste.Tests.Architecture;

/// <summary>
/// Which of an assembly's areas (the namespace under <c>XPaste</c>, its sub-namespaces folded in: <c>XPaste.Coco.Json</c>
/// is <c>Coco</c>; the root namespace is <c>XPaste</c>) uses which, read from the IL with Mono.Cecil: signatures,
/// attributes and method bodies, so a dependency through a local variable or a call counts too.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    /// <summary>Area to the areas it uses, each with one example (<c>Type -> Type</c>).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => _edges;

    public static NamespaceGraph Read(string assemblyPath)
    {
        var graph = new NamespaceGraph();
        using AssemblyDefinition assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        foreach (TypeDefinition type in assembly.MainModule.GetTypes())
        {
            string? from = Area(type);
            if (from is null)
            {
                continue;
            }

            foreach (TypeReference? used in Uses(type))
            {
                if (used is null)
                {
                    continue;
                }

                foreach (TypeReference part in Flatten(used))
                {
                    if (Area(part) is { } to && to != from)
                    {
                        graph.Add(from, to, $"{type.FullName} -> {part.FullName}");
                    }
                }
            }
        }

        return graph;
    }

    public void Add(string from, string to, string example)
    {
        if (!_edges.TryGetValue(from, out Dictionary<string, string>? targets))
        {
            _edges[from] = targets = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        targets.TryAdd(to, example);
    }

    /// <summary>The groups of areas that use each other (strongly connected components of more than one area, Tarjan).</summary>
    public List<List<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<List<string>>();
        int next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in _edges.TryGetValue(v, out var targets) ? targets.Keys : Enumerable.Empty<string>())
            {
                if (!index.TryGetValue(w, out int seen))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    cycles.Add(component);
                }
            }
        }

        foreach (string area in _edges.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!index.ContainsKey(area))
            {
                Visit(area);
            }
        }

        return cycles;
    }

    /// <summary>A cycle as the edges inside it, each with its example, for a failure message.</summary>
    public string Describe(IReadOnlyCollection<string> cycle) =>
        string.Join("; ", cycle.SelectMany(from => _edges[from].Where(e => cycle.Contains(e.Key)).Select(e => $"{from} -> {e.Key} ({e.Value})")));

    private static string? Area(TypeReference? type)
    {
        if (type is null)
        {
            return null;
        }

        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        string ns = type.Namespace;
        if (ns == "XPaste")
        {
            return "XPaste";
        }

        if (!ns.StartsWith("XPaste.", StringComparison.Ordinal))
        {
            return null;
        }

        string rest = ns["XPaste.".Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>The type itself, its element type and generic arguments, recursively.</summary>
    private static IEnumerable<TypeReference> Flatten(TypeReference type)
    {
        switch (type)
        {
            case GenericInstanceType generic:
                foreach (TypeReference t in Flatten(generic.ElementType))
                {
                    yield return t;
                }

                foreach (TypeReference t in generic.GenericArguments.SelectMany(Flatten))
                {
                    yield return t;
                }

                break;
            case TypeSpecification spec:
                foreach (TypeReference t in Flatten(spec.ElementType))
                {
                    yield return t;
                }

                break;
            case GenericParameter:
                break;
            default:
                yield return type;
                break;
        }
    }

    private static IEnumerable<TypeReference?> Uses(TypeDefinition type)
    {
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (InterfaceImplementation i in type.Interfaces)
        {
            yield return i.InterfaceType;
        }

        foreach (CustomAttribute a in type.CustomAttributes)
        {
            foreach (TypeReference t in Attribute(a))
            {
                yield return t;
            }
        }

        foreach (FieldDefinition field in type.Fields)
        {
            yield return field.FieldType;
        }

        foreach (PropertyDefinition property in type.Properties)
        {
            yield return property.PropertyType;
            foreach (TypeReference t in property.CustomAttributes.SelectMany(Attribute))
            {
                yield return t;
            }
        }

        foreach (MethodDefinition method in type.Methods)
        {
            yield return method.ReturnType;
            foreach (ParameterDefinition p in method.Parameters)
            {
                yield return p.ParameterType;
            }

            foreach (TypeReference t in method.CustomAttributes.SelectMany(Attribute))
            {
                yield return t;
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (VariableDefinition local in method.Body.Variables)
            {
                yield return local.VariableType;
            }

            foreach (Instruction instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        yield return t;
                        break;
                    case MethodReference m:
                        yield return m.DeclaringType;
                        yield return m.ReturnType;
                        foreach (ParameterDefinition p in m.Parameters)
                        {
                            yield return p.ParameterType;
                        }

                        if (m is GenericInstanceMethod g)
                        {
                            foreach (TypeReference a in g.GenericArguments)
                            {
                                yield return a;
                            }
                        }

                        break;
                    case FieldReference f:
                        yield return f.DeclaringType;
                        yield return f.FieldType;
                        break;
                }
            }
        }
    }

    private static IEnumerable<TypeReference> Attribute(CustomAttribute attribute)
    {
        yield return attribute.AttributeType;
        foreach (CustomAttributeArgument argument in attribute.ConstructorArguments)
        {
            if (argument.Value is TypeReference t)
            {
                yield return t;
            }
        }
    }
}
