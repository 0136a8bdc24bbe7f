using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using KmsService.Core.Crypto;

namespace KmsService.MicroBench;

/// <summary>The software HSA with its backing key already unwrapped and cached: derive (SP 800-108) + AES-256-GCM.</summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes it in [GlobalCleanup].")]
public class HsaBenchmarks
{
    private const string KeyArn = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private SoftwareHsa _hsa = null!;
    private WrappedBackingKey _backingKey = null!;
    private EncryptionContext _context = null!;
    private byte[] _plaintext = [];
    private byte[] _blob = [];

    [Params(32, 4096)]
    public int PlaintextBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var root = RootKeyFile.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(SoftwareHsa.KeyLength)));
        _hsa = new SoftwareHsa(root, TimeProvider.System, new SoftwareHsaOptions { CacheTimeToLive = TimeSpan.FromHours(1) });
        _backingKey = _hsa.GenerateBackingKey(KeyArn);
        _context = EncryptionContext.From(new Dictionary<string, string> { ["purpose"] = "load-test" });
        _plaintext = RandomNumberGenerator.GetBytes(PlaintextBytes);
        _blob = _hsa.Encrypt(KeyArn, _backingKey, _plaintext, _context);
    }

    [GlobalCleanup]
    public void Cleanup() => _hsa.Dispose();

    [Benchmark]
    public byte[] Encrypt() => _hsa.Encrypt(KeyArn, _backingKey, _plaintext, _context);

    [Benchmark]
    public byte[] Decrypt() => _hsa.Decrypt(KeyArn, _backingKey, _blob, _context);
}
