using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace KmsService.Core.Crypto;

/// <summary>Sources of the HSA's 256-bit root key: a generated key file (development) or an operator-supplied base64 secret (production).</summary>
public static class RootKeyFile
{
    private const int Base64Length = 44; // base64 of 32 bytes, with one '=' of padding

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerReadWrite | UnixFileMode.UserExecute;

    /// <summary>Loads the root key from <paramref name="path"/>, first creating the file (mode 0600) with 32 random bytes if it does not exist.</summary>
    /// <exception cref="InvalidOperationException">The file exists but does not hold the base64 encoding of exactly 32 bytes.</exception>
    public static KeyMaterial LoadOrCreate(string path) => LoadOrCreate(path, out _);

    /// <summary>As <see cref="LoadOrCreate(string)"/>; <paramref name="created"/> tells whether this call created the file.</summary>
    public static KeyMaterial LoadOrCreate(string path, out bool created)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        created = !File.Exists(path) && TryCreate(path);
        return Load(path);
    }

    /// <summary>Decodes an operator-supplied root key (<c>Kms:RootKey</c>).</summary>
    /// <exception cref="InvalidOperationException">The value is not the base64 encoding of exactly 32 bytes.</exception>
    public static KeyMaterial FromBase64(string? value)
    {
        // Room for one byte more than a key, so that a longer value is seen as such rather than as "too small".
        Span<byte> decoded = stackalloc byte[SoftwareHsa.KeyLength + 3];
        try
        {
            if (string.IsNullOrWhiteSpace(value)
                || !Convert.TryFromBase64String(value, decoded, out var written)
                || written != SoftwareHsa.KeyLength)
            {
                throw new InvalidOperationException("Kms:RootKey must be the base64 encoding of exactly 32 bytes.");
            }

            return KeyMaterial.CopyFrom(decoded[..written]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
        }
    }

    private static KeyMaterial Load(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The root key file '{path}' could not be read: {ex.Message}", ex);
        }

        Span<byte> decoded = stackalloc byte[SoftwareHsa.KeyLength + 3];
        try
        {
            // The file is the base64 text and an optional trailing newline; surrounding whitespace is tolerated.
            var text = content.AsSpan().Trim(" \t\r\n"u8);
            if (text.Length != Base64Length
                || Base64.DecodeFromUtf8(text, decoded, out var consumed, out var written) != OperationStatus.Done
                || consumed != text.Length
                || written != SoftwareHsa.KeyLength)
            {
                // Names the path, never the content.
                throw new InvalidOperationException(
                    $"The root key file '{path}' is malformed: it must contain the base64 encoding of exactly 32 bytes. "
                    + "Restore the original file; deleting it makes a new root key, and every existing key becomes unreadable.");
            }

            return KeyMaterial.CopyFrom(decoded[..written]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
            CryptographicOperations.ZeroMemory(content);
        }
    }

    // Writes a temporary file (created 0600, never wider) and moves it into place without overwriting, so that a
    // crash leaves no half-written key and two instances starting together agree on one key. True when this call
    // created it.
    private static bool TryCreate(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        Span<byte> text = stackalloc byte[Base64Length + 1];
        try
        {
            using (var material = KeyMaterial.Generate(SoftwareHsa.KeyLength))
            {
                Base64.EncodeToUtf8(material.Span, text, out _, out var written);
                text[written] = (byte)'\n';
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(text);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance created the key first; use that one.
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
            File.Delete(temporary);
        }
    }
}
