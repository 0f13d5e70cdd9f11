// Built by XPaste.Build.Tasks.csproj (netstandard2.0) and packed into XPaste.Core's buildTransitive folder;
// used by XPaste.Core.targets. No nullable annotations, no spans: it must load in any MSBuild.
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace XPaste.Build.Tasks
{
/// <summary>Marks one GLIBCXX version requirement of ELF libraries weak where the system libstdc++ lacks that version.</summary>
public sealed class PatchGlibcxxRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required]
    public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        string libstdcxx = FindSystemLibstdcxx();
        if (libstdcxx != null && FileContains(libstdcxx, Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"XPaste: {libstdcxx} provides {VersionName}; libLibTorchSharp.so left as shipped.");
            return true;
        }

        // One line of build output however many copies there are (packages may ship the library twice).
        var patched = new System.Collections.Generic.List<string>();
        foreach (ITaskItem item in Libraries)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                byte[] bytes = File.ReadAllBytes(path);
                int offset = FindVernauxFlags(bytes, VersionName, out bool alreadyWeak);
                if (offset < 0 || alreadyWeak)
                {
                    continue;
                }

                bytes[offset] = (byte)(bytes[offset] | VerFlgWeak);
                // Replace the file rather than editing it: the output copy may be a hard link into the NuGet cache.
                string temp = path + ".xpaste-tmp";
                File.WriteAllBytes(temp, bytes);
                File.Delete(path);
                File.Move(temp, path);
                patched.Add(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogError($"XPaste: could not patch {path}: {ex.Message}");
                return false;
            }
        }

        if (patched.Count > 0)
        {
            Log.LogMessage(MessageImportance.High,
                $"XPaste: system libstdc++ lacks {VersionName}; marked that requirement weak in {string.Join(", ", patched)} so TorchSharp loads.");
        }

        return !Log.HasLoggedErrors;
    }

    private static string FindSystemLibstdcxx()
    {
        foreach (string ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig))
            {
                continue;
            }

            try
            {
                var psi = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                using Process process = Process.Start(psi);
                if (process == null)
                {
                    continue;
                }

                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                // ldconfig tags each entry with its ABI, e.g. "libstdc++.so.6 (libc6,x86-64) => /lib/...".
                string abi = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
                {
                    System.Runtime.InteropServices.Architecture.X64 => "x86-64",
                    System.Runtime.InteropServices.Architecture.Arm64 => "AArch64",
                    _ => "",
                };
                foreach (string line in output.Split('\n'))
                {
                    string trimmed = line.Trim();
                    int arrow = trimmed.IndexOf("=> ", StringComparison.Ordinal);
                    if (trimmed.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) && arrow > 0 && trimmed.Contains(abi))
                    {
                        return trimmed.Substring(arrow + 3).Trim();
                    }
                }
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is IOException)
            {
                // Fall through to the well-known locations.
            }
        }

        foreach (string candidate in new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool FileContains(string path, byte[] needle)
    {
        byte[] haystack = File.ReadAllBytes(path);
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Offset of vna_flags of the version requirement named <paramref name="name"/>, or -1.</summary>
    private static int FindVernauxFlags(byte[] elf, string name, out bool alreadyWeak)
    {
        alreadyWeak = false;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }

        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)(shoff + (long)i * shentsize));
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            int verneedOffset = checked((int)BitConverter.ToInt64(elf, sh + 24));
            int link = (int)BitConverter.ToUInt32(elf, sh + 40);
            int entries = (int)BitConverter.ToUInt32(elf, sh + 44);
            int strtabSh = checked((int)(shoff + (long)link * shentsize));
            int strtab = checked((int)BitConverter.ToInt64(elf, strtabSh + 24));

            int vn = verneedOffset;
            for (int n = 0; n < entries; n++)
            {
                int count = BitConverter.ToUInt16(elf, vn + 2);
                int vna = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < count; a++)
                {
                    int nameOffset = strtab + (int)BitConverter.ToUInt32(elf, vna + 8);
                    int end = Array.IndexOf(elf, (byte)0, nameOffset);
                    if (Encoding.ASCII.GetString(elf, nameOffset, end - nameOffset) == name)
                    {
                        alreadyWeak = (BitConverter.ToUInt16(elf, vna + 4) & VerFlgWeak) != 0;
                        return vna + 4;
                    }

                    vna += (int)BitConverter.ToUInt32(elf, vna + 12);
                }

                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }

        return -1;
    }
}
}
