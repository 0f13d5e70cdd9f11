using System.Text;
using System.Text.Json.Nodes;

namespace XPaste.Tests.Fuzzing;

/// <summary>Structural mutations of a safetensors header that keep it valid JSON, reproducible from a seed.</summary>
internal static class HeaderMutator
{
    private static readonly string[] Dtypes = ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8", "X"];

    public static byte[] Apply(byte[] header, int seed)
    {
        var random = new Random(seed);
        JsonObject root = JsonNode.Parse(Encoding.UTF8.GetString(header).TrimEnd())!.AsObject();
        string[] names = [.. root.Select(p => p.Key).Where(k => k != "__metadata__")];
        int count = random.Next(1, 4);
        for (int i = 0; i < count && names.Length > 0; i++)
        {
            string name = names[random.Next(names.Length)];
            if (root[name] is not JsonObject entry)
            {
                continue;
            }

            switch (random.Next(6))
            {
                case 0:
                    // Alias or overlap another tensor's bytes.
                    string other = names[random.Next(names.Length)];
                    if (root[other]?["data_offsets"] is JsonNode taken)
                    {
                        entry["data_offsets"] = taken.DeepClone();
                    }

                    break;
                case 1:
                    if (entry["shape"] is not JsonArray shape)
                    {
                        break;
                    }

                    long[] dims = [.. shape.Select(d => d!.GetValue<long>())];
                    int flip = dims.Length == 0 ? -1 : random.Next(dims.Length);
                    entry["shape"] = new JsonArray([.. dims.Select((d, k) => (JsonNode)(k == flip || random.Next(2) == 0 ? -d - random.Next(2) : d))]);
                    break;
                case 2:
                    entry["dtype"] = Dtypes[random.Next(Dtypes.Length)];
                    break;
                case 3:
                    root.Remove(name);
                    // Later mutations pick among the tensors still there.
                    names = [.. names.Where(n => n != name)];
                    break;
                case 4:
                    if (entry["data_offsets"] is not JsonArray offsets || offsets.Count < 2)
                    {
                        break;
                    }

                    long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
                    long shift = random.Next(-8, 9);
                    entry["data_offsets"] = new JsonArray(begin + shift, random.Next(2) == 0 ? end + shift : end);
                    break;
                default:
                    entry["shape"] = new JsonArray([.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => (JsonNode)(long)random.Next(-3, 7))]);
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
