using BenchmarkDotNet.Attributes;
using KmsService.Core.Crypto;

namespace KmsService.MicroBench;

/// <summary>Canonicalising the request's encryption context (sorted, length-prefixed UTF-8).</summary>
[MemoryDiagnoser]
public class EncryptionContextBenchmarks
{
    private Dictionary<string, string> _pairs = [];

    [Params(0, 1, 4)]
    public int Pairs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pairs = [];
        string[] keys = ["purpose", "tenant", "aws:s3:arn", "department"];
        string[] values = ["load-test", "acme-corporation", "arn:aws:s3:::bucket/path/to/object.bin", "engineering"];
        for (var i = 0; i < Pairs; i++)
        {
            _pairs[keys[i]] = values[i];
        }
    }

    [Benchmark]
    public EncryptionContext From() => EncryptionContext.From(_pairs);
}
