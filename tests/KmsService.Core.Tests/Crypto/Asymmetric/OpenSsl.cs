using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;

namespace KmsService.Core.Tests.Crypto.Asymmetric;

/// <summary>The openssl command line (OpenSSL 3), an implementation independent of BouncyCastle, for interoperability
/// checks: keys, signatures and ciphertexts go through files in a temporary folder.</summary>
internal sealed class OpenSsl : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kms-openssl-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Writes <paramref name="bytes"/> to a file of the folder and returns its path.</summary>
    public string File(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir.FullName, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes a DER key as PEM (PRIVATE KEY or PUBLIC KEY) and returns its path.</summary>
    public string Pem(string name, string label, byte[] der)
    {
        var path = Path.Combine(_dir.FullName, name);
        System.IO.File.WriteAllText(path, PemEncoding.WriteString(label, der));
        return path;
    }

    public byte[] Read(string name) => System.IO.File.ReadAllBytes(Path.Combine(_dir.FullName, name));

    public string PathOf(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>Runs openssl in the folder; true when it exits 0. Skips the test where openssl is not installed.</summary>
    public bool Run(params string[] args)
    {
        var start = new ProcessStartInfo("openssl", args)
        {
            WorkingDirectory = _dir.FullName,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        try
        {
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            Assert.Skip("openssl is not installed here");
            return false;
        }
    }
}
