using KmsService.Core.Grants;
using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Grants;

public sealed class GrantTokenTests
{
    [Fact]
    public void Issue_EveryTokenNamesTheGrant_AndDiffers()
    {
        var id = GrantToken.NewGrantId();
        Assert.Matches("^[0-9a-f]{64}$", id);
        var first = GrantToken.Issue(id);
        var second = GrantToken.Issue(id);
        Assert.NotEqual(first, second);
        Assert.True(GrantToken.TryRead(first, out var read));
        Assert.Equal(id, read);
        Assert.True(GrantToken.IsWellFormed(second));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AQpAM2RhZTk1MGMyNTk2ZmZmMzEyYWVhOWViN2I1MWM4Mzc0MWFiYjc0ZDE1ODkyNGFlNTIzODZhMzgyZjBlNDkxOAF4")]
    public void TryRead_TokensNotIssuedHere_AreRefused(string token)
    {
        Assert.False(GrantToken.TryRead(token, out _));
        Assert.False(GrantToken.IsWellFormed(token));
    }

    [Fact]
    public void TryRead_WrongVersion_IsRefused()
    {
        var bytes = Convert.FromBase64String(GrantToken.Issue(GrantToken.NewGrantId()));
        bytes[0] = 2;
        Assert.False(GrantToken.IsWellFormed(Convert.ToBase64String(bytes)));
    }

    [Theory]
    [InlineData("arn:aws:iam::111122223333:root", true)]
    [InlineData("arn:aws:iam::111122223333:user/alice", true)]
    [InlineData("arn:aws:iam::111122223333:user/division/team/alice", true)]
    [InlineData("arn:aws:iam::111122223333:role/app", true)]
    [InlineData("arn:aws:sts::111122223333:assumed-role/app/session-1", true)]
    [InlineData("arn:aws:sts::111122223333:federated-user/bob", true)]
    [InlineData("arn:aws-cn:iam::111122223333:root", true)]
    [InlineData("arn:aws:iam::111122223333:group/admins", false)]
    [InlineData("arn:aws:iam::1111:root", false)]
    [InlineData("dynamodb.us-west-2.amazonaws.com", false)]
    [InlineData("111122223333", false)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", false)]
    public void GrantPrincipals_AcceptsAccountUserRoleAndSessionArns(string principal, bool valid) =>
        Assert.Equal(valid, GrantPrincipals.IsValid(principal));

    [Fact]
    public void GrantOperations_SymmetricKeys_AllowDataKeyPairsButNotSigning()
    {
        var symmetric = GrantOperations.SupportedBy(KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt);
        Assert.True(symmetric.Contains(GrantOperation.GenerateDataKeyPair));
        Assert.True(symmetric.Contains(GrantOperation.ReEncryptFrom));
        Assert.False(symmetric.Contains(GrantOperation.Sign));
        Assert.False(symmetric.Contains(GrantOperation.GetPublicKey));

        var rsa = GrantOperations.SupportedBy(KeySpec.Rsa2048, KeyUsageType.EncryptDecrypt);
        Assert.False(rsa.Contains(GrantOperation.GenerateDataKey));
        Assert.True(rsa.Contains(GrantOperation.GetPublicKey));
        Assert.True(GrantOperations.SupportedBy(KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac).Contains(GrantOperation.VerifyMac));
        Assert.True(GrantOperations.SupportedBy(KeySpec.EccNistP256, KeyUsageType.SignVerify).Contains(GrantOperation.Sign));
    }
}
