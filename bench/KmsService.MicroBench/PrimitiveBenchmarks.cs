using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace KmsService.MicroBench;

/// <summary>The platform primitives the hot path is made of (OpenSSL through .NET), to attribute the costs above.</summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes it in [GlobalCleanup].")]
public class PrimitiveBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(16);
    private readonly byte[] _iv = RandomNumberGenerator.GetBytes(12);
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(256);
    private readonly byte[] _plaintext = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _ciphertext = new byte[32];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _output = new byte[32];
    private readonly byte[] _kdfInput = RandomNumberGenerator.GetBytes(46);
    private AesGcm _aes = null!;
    private IncrementalHash _sha256 = null!;
    private IncrementalHash _hmac = null!;

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(_key, 16);
        _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes.Dispose();
        _sha256.Dispose();
        _hmac.Dispose();
    }

    [Benchmark(Description = "SHA256.HashData 256 B")]
    public byte[] Sha256() => SHA256.HashData(_data);

    [Benchmark(Description = "IncrementalHash SHA-256 (reused) 256 B")]
    public byte[] Sha256Reused()
    {
        _sha256.AppendData(_data);
        _sha256.GetHashAndReset(_output);
        return _output;
    }

    [Benchmark(Description = "HMACSHA256.HashData 256 B")]
    public byte[] HmacSha256() => HMACSHA256.HashData(_key, _data);

    [Benchmark(Description = "IncrementalHash HMAC (keyed once) 256 B")]
    public byte[] HmacReused()
    {
        _hmac.AppendData(_data);
        _hmac.GetHashAndReset(_output);
        return _output;
    }

    [Benchmark(Description = "SP800108HmacCounterKdf.DeriveBytes 32 B")]
    public byte[] Kdf()
    {
        SP800108HmacCounterKdf.DeriveBytes(_key, HashAlgorithmName.SHA256, "KmsService encrypt v1"u8, _nonce, _output);
        return _output;
    }

    [Benchmark(Description = "KDF as one HMAC (keyed once) 32 B")]
    public byte[] KdfAsKeyedHmac()
    {
        _hmac.AppendData(_kdfInput);
        _hmac.GetHashAndReset(_output);
        return _output;
    }

    [Benchmark(Description = "new AesGcm + Encrypt 32 B + Dispose")]
    public byte[] AesGcmNewEachTime()
    {
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(_iv, _plaintext, _ciphertext, _tag);
        return _ciphertext;
    }

    [Benchmark(Description = "AesGcm (reused) Encrypt 32 B")]
    public byte[] AesGcmReused()
    {
        _aes.Encrypt(_iv, _plaintext, _ciphertext, _tag);
        return _ciphertext;
    }

    [Benchmark(Description = "RandomNumberGenerator.Fill 28 B")]
    public byte[] Random()
    {
        RandomNumberGenerator.Fill(_output.AsSpan(0, 28));
        return _output;
    }
}
