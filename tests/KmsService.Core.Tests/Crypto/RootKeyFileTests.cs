using System.Text;
using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class RootKeyFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kms-rootkey-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void LoadOrCreate_NoFile_CreatesDirectoryAndOwnerOnlyFile()
    {
        var path = Path.Combine(_directory, "nested", "root.key");

        using var key = RootKeyFile.LoadOrCreate(path);

        Assert.Equal(32, key.Length);
        Assert.True(File.Exists(path));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(path).Trim()).Length);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void LoadOrCreate_SecondStart_LoadsSameKey()
    {
        var path = Path.Combine(_directory, "root.key");
        using var first = RootKeyFile.LoadOrCreate(path);
        var content = File.ReadAllText(path);

        using var second = RootKeyFile.LoadOrCreate(path);

        Assert.Equal(first.Span.ToArray(), second.Span.ToArray());
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void LoadOrCreate_ExistingFile_LoadsItsKey()
    {
        var path = Path.Combine(_directory, "root.key");
        Directory.CreateDirectory(_directory);
        var bytes = TestKeys.Sequence(7, 32);
        File.WriteAllText(path, Convert.ToBase64String(bytes) + "\r\n");

        using var key = RootKeyFile.LoadOrCreate(path);

        Assert.Equal(bytes, key.Span.ToArray());
    }

    [Theory]
    [InlineData("this is not base64 but it is secret")]
    [InlineData("AAECAwQFBgcICQoLDA0ODw==")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g")]
    [InlineData("")]
    public void LoadOrCreate_MalformedFile_ThrowsNamingPathNotContent(string content)
    {
        var path = Path.Combine(_directory, "root.key");
        Directory.CreateDirectory(_directory);
        File.WriteAllText(path, content);

        var ex = Assert.Throws<InvalidOperationException>(() => RootKeyFile.LoadOrCreate(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        if (content.Length > 0)
        {
            Assert.DoesNotContain(content, ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void FromBase64_32Bytes_ReturnsThoseBytes()
    {
        var bytes = TestKeys.Sequence(3, 32);

        using var key = RootKeyFile.FromBase64(Convert.ToBase64String(bytes));

        Assert.Equal(bytes, key.Span.ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not base64!")]
    [InlineData("AAECAwQFBgcICQoLDA0ODw==")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==")]
    public void FromBase64_NotExactly32Bytes_ThrowsWithFixedMessage(string? value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => RootKeyFile.FromBase64(value));

        Assert.Equal("Kms:RootKey must be the base64 encoding of exactly 32 bytes.", ex.Message);
    }

    [Fact]
    public void LoadOrCreate_FileWrittenByLoadOrCreate_IsBase64AndNewline()
    {
        var path = Path.Combine(_directory, "root.key");

        using var key = RootKeyFile.LoadOrCreate(path);

        var text = File.ReadAllText(path, Encoding.ASCII);
        Assert.Equal(45, text.Length);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(key.Span.ToArray(), Convert.FromBase64String(text.TrimEnd('\n')));
    }
}
