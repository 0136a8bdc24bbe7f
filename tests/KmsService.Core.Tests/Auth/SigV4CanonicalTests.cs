using System.Text;
using KmsService.Core.Auth;
using Xunit;

namespace KmsService.Core.Tests.Auth;

public sealed class SigV4CanonicalTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    [InlineData("/prefix", "/prefix")]
    [InlineData("/prefix/", "/prefix/")]
    [InlineData("//example//", "/example/")]
    [InlineData("/example/..", "/")]
    [InlineData("/a/b/../c/./d", "/a/c/d")]
    [InlineData("/../a", "/a")]
    [InlineData("/example space/", "/example%20space/")]
    [InlineData("/\u1234", "/%E1%88%B4")]
    // The path arrives percent-encoded; non-S3 SigV4 encodes it again (botocore, JS v3 and .NET all double-encode).
    [InlineData("/example%20space/", "/example%2520space/")]
    [InlineData("/%E1%88%B4", "/%25E1%2588%25B4")]
    [InlineData("/a:b+c=d", "/a%3Ab%2Bc%3Dd")]
    public void WriteCanonicalUri_Path_IsNormalizedAndEncoded(string path, string expected)
    {
        var w = new PooledUtf8Buffer(16);
        try
        {
            SigV4Canonical.WriteCanonicalUri(ref w, path);

            Assert.Equal(expected, Encoding.ASCII.GetString(w.Written));
        }
        finally
        {
            w.Dispose();
        }
    }

    [Fact]
    public void WriteCanonicalUri_ManySegments_GrowsPastTheStackBuffer()
    {
        var path = string.Concat(Enumerable.Repeat("/seg", 100)) + "/../last";
        var expected = string.Concat(Enumerable.Repeat("/seg", 99)) + "/last";
        var w = new PooledUtf8Buffer(16);
        try
        {
            SigV4Canonical.WriteCanonicalUri(ref w, path);

            Assert.Equal(expected, Encoding.ASCII.GetString(w.Written));
        }
        finally
        {
            w.Dispose();
        }
    }

    [Theory]
    [InlineData("Param2=value2&Param1=value1", "Param1=value1&Param2=value2")]
    [InlineData("b=2&a=1&A=0", "A=0&a=1&b=2")]
    [InlineData("a=2&a=1", "a=1&a=2")]
    [InlineData("flag&a=1", "a=1&flag=")]
    [InlineData("a=1&&b=2", "a=1&b=2")]
    [InlineData("k=a%20b", "k=a%20b")]
    [InlineData("k=a b", "k=a%20b")]
    [InlineData("%E1%88%B4=1", "%E1%88%B4=1")]
    [InlineData("k=%2F", "k=%2F")]
    public void CanonicalQuery_RawQuery_IsDecodedEncodedAndSorted(string query, string expected)
    {
        Assert.Equal(expected, SigV4Canonical.CanonicalQuery(query));
    }

    [Fact]
    public void CanonicalRequest_HeaderValues_AreTrimmedCollapsedAndJoined()
    {
        var request = new SigV4Request("POST", "/", "?",
            [
                new("Host", "127.0.0.1:5000"),
                new("X-Custom", "  a \t b  "),
                new("x-custom", "c"),
                new("X-Amz-Date", "20261129T011500Z"),
                new("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/kms/aws4_request, SignedHeaders=host;x-custom;x-amz-date, Signature=00"),
            ],
            ReadOnlyMemory<byte>.Empty);

        var canonical = SigV4Canonical.CanonicalRequest(request, SigV4Parser.Parse(request), "HASH");

        Assert.Equal(
            "POST\n/\n\nhost:127.0.0.1:5000\nx-custom:a b,c\nx-amz-date:20261129T011500Z\n\nhost;x-custom;x-amz-date\nHASH",
            canonical);
    }

    [Fact]
    public void CanonicalRequest_SignedHeaderAbsentFromRequest_HasEmptyValue()
    {
        var request = new SigV4Request("POST", "/", "",
            [
                new("Host", "h"),
                new("X-Amz-Date", "20261129T011500Z"),
                new("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/kms/aws4_request, SignedHeaders=host;x-missing, Signature=00"),
            ],
            ReadOnlyMemory<byte>.Empty);

        var canonical = SigV4Canonical.CanonicalRequest(request, SigV4Parser.Parse(request), "HASH");

        Assert.Equal("POST\n/\n\nhost:h\nx-missing:\n\nhost;x-missing\nHASH", canonical);
    }

    [Fact]
    public void PooledUtf8Buffer_WritesPastInitialCapacity_KeepsEverything()
    {
        var text = new string('x', 5000) + "\u00e9";
        var w = new PooledUtf8Buffer(8);
        try
        {
            w.Utf8(text);
            w.Percent(0x2F);

            Assert.Equal(text + "%2F", Encoding.UTF8.GetString(w.Written));
        }
        finally
        {
            w.Dispose();
        }
    }
}
