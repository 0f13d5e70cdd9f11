namespace XPaste.IO;

/// <summary>Best-effort deletes, for tidying up after the work that matters is done (or has failed for another reason).</summary>
internal static class FileCleanup
{
    /// <summary>Deletes a file if it exists.</summary>
    /// <param name="path">The file.</param>
    /// <returns>True when a file was deleted; false when there was none or it could not be deleted.</returns>
    public static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
