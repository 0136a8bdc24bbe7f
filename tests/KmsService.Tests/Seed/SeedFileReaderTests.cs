using KmsService.Seed;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Seed;

public sealed class SeedFileReaderTests
{
    private static SeedDocument Yaml(string text) => SeedFileReader.Parse(text, yaml: true);

    private static string Problem(string text, bool yaml = true) =>
        Assert.Throws<SeedFileException>(() => SeedFileReader.Parse(text, yaml)).Message;

    [Fact]
    public void Parse_TestSeed_ReadsAccountsPrincipalsAndKeys()
    {
        var seed = Yaml(TestSeed.Yaml);

        Assert.Equal(["111122223333", "444455556666"], seed.Accounts);
        var alice = Assert.Single(seed.AccessKeys, k => k.AccessKeyId == TestSeed.AliceAccessKey);
        Assert.Equal(TestSeed.AliceArn, alice.Principal.Arn);
        Assert.Single(alice.Principal.Policies);
        Assert.Equal(2, seed.Keys.Count);
        var key = Assert.Single(seed.Keys, k => k.KeyId == TestSeed.PinnedKeyId);
        Assert.Equal([TestSeed.PinnedAlias], key.Aliases);
        Assert.Equal(32, Assert.Single(key.Materials).Length);
        Assert.Null(key.Policy);
    }

    [Fact]
    public void Parse_JsonAndYamlOfTheSameShape_AreEquivalent()
    {
        const string json = """
            { "accounts": [ { "id": "111122223333", "principals": [ { "arn": "arn:aws:iam::111122223333:role/app",
                "accessKeys": [ { "accessKeyId": "AKIAAPP", "secretAccessKey": "s" } ] } ] } ],
              "keys": [ { "account": "111122223333", "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                "policy": { "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*" } ] } } ] }
            """;
        const string yaml = """
            accounts:
              - id: "111122223333"
                principals:
                  - arn: arn:aws:iam::111122223333:role/app
                    accessKeys: [ { accessKeyId: AKIAAPP, secretAccessKey: s } ]
            keys:
              - account: "111122223333"
                keyId: 1234abcd-12ab-34cd-56ef-1234567890ab
                policy: { Version: "2012-10-17", Statement: [ { Effect: Allow, Principal: "*", Action: "kms:*", Resource: "*" } ] }
            """;

        var a = SeedFileReader.Parse(json, yaml: false);
        var b = SeedFileReader.Parse(yaml, yaml: true);
        Assert.Equal(a.Keys[0].Policy, b.Keys[0].Policy);
        Assert.Equal("us-east-1", b.Keys[0].Region);
        Assert.Equal(a.AccessKeys[0].Principal.Arn, b.AccessKeys[0].Principal.Arn);
        Assert.Equal(a.AccessKeys[0].Principal.AccountId, b.AccessKeys[0].Principal.AccountId);
    }

    [Theory]
    [InlineData("accounts: [ { id: \"12\" } ]", "$.accounts[0].id: must be a 12-digit AWS account id")]
    [InlineData("acounts: []", "$.acounts: unknown member")]
    [InlineData("accounts: [ { id: \"111122223333\", principals: [ { arn: \"arn:aws:iam::999999999999:root\" } ] } ]", "$.accounts[0].principals[0].arn: names account 999999999999")]
    [InlineData("accounts: [ { id: \"111122223333\", principals: [ { arn: \"root\" } ] } ]", "$.accounts[0].principals[0].arn: must be an IAM ARN")]
    [InlineData("keys: [ { account: \"111122223333\", keyId: \"k\" } ]", "$.keys[0].account: account 111122223333 is not declared")]
    [InlineData("accounts: [ { id: \"111122223333\", principals: [ { arn: \"arn:aws:iam::111122223333:root\" }, { arn: \"arn:aws:iam::111122223333:root\" } ] } ]", "$.accounts[0].principals[1].arn: principal arn:aws:iam::111122223333:root is declared twice")]
    public void Parse_InvalidDocument_NamesThePathAndProblem(string yaml, string expected)
    {
        Assert.Contains(expected, Problem(yaml), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keyId: not-a-uuid", "$.keys[0].keyId: must be a lowercase UUID")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    material: AAEC", "$.keys[0].material: must be the base64 encoding of exactly 32 bytes")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    aliases: [ orders ]", "$.keys[0].aliases[0]: must be 'alias/'")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    aliases: [ alias/aws/s3 ]", "$.keys[0].aliases[0]: names beginning with alias/aws/ are reserved")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    region: Mars", "$.keys[0].region: must be a region name")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    policy: { Version: \"2012-10-17\" }", "$.keys[0].policy: The policy doc")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    enabld: false", "$.keys[0].enabld: unknown member")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    policy: { Version: \"2012-10-17\", Statement: [ { Effect: Allow, Principal: { AWS: \"arn:aws:iam::111122223333:role/ghost\" }, Action: \"kms:*\", Resource: \"*\" } ] }", "$.keys[0].policy: Policy contains a statement with one or more invalid principals. Declare every user and role")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: RSA_1024", "$.keys[0].keySpec: must be one of RSA_2048")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: RSA_2048", "$.keys[0].keyUsage: is required for RSA_2048 keys: one of SIGN_VERIFY, ENCRYPT_DECRYPT")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: HMAC_256\n    keyUsage: SIGN_VERIFY", "$.keys[0].keyUsage: must be one of GENERATE_VERIFY_MAC for HMAC_256 keys")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: SM2\n    keyUsage: SIGN_VERIFY", "$.keys[0].keySpec: SM2 keys are offered only in the China regions")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: HMAC_256\n    material: AAEC", "$.keys[0].material: must be the base64 encoding of exactly 32 bytes (an HMAC_256 key)")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: ECC_NIST_P256\n    keyUsage: SIGN_VERIFY\n    material: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", "$.keys[0].material: must be the base64 encoding of a PKCS #8 DER private key of spec ECC_NIST_P256")]
    [InlineData("keyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n    keySpec: HMAC_512\n    rotation: { enabled: true }", "$.keys[0].rotation: only symmetric encryption keys rotate, not HMAC_512 keys")]
    public void Parse_InvalidKey_NamesThePathAndProblem(string keyYaml, string expected)
    {
        var yaml = $"""
            accounts: [ {"{"} id: "111122223333" {"}"} ]
            keys:
              - account: "111122223333"
                {keyYaml}
            """;
        Assert.Contains(expected, Problem(yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateAccessKey_IsRefused()
    {
        const string yaml = """
            accounts:
              - id: "111122223333"
                principals:
                  - arn: arn:aws:iam::111122223333:root
                    accessKeys: [ { accessKeyId: AKIA1, secretAccessKey: a }, { accessKeyId: AKIA1, secretAccessKey: b } ]
            """;
        Assert.Contains("$.accounts[0].principals[0].accessKeys[1].accessKeyId: access key 'AKIA1' is declared twice", Problem(yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedYaml_SaysSo()
    {
        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => SeedFileReader.Parse("accounts: [ {", yaml: true));
    }

    [Fact]
    public void Read_MissingFile_NamesTheFile()
    {
        var e = Assert.Throws<SeedFileException>(() => SeedFileReader.Read("/nonexistent/seed.yaml", "us-east-1", new HashSet<string>()));
        Assert.Contains("/nonexistent/seed.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedYamlFile_NamesTheFile()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bad.yaml");
        File.WriteAllText(path, "accounts: [ {");
        var e = Assert.Throws<SeedFileException>(() => SeedFileReader.Read(path, "us-east-1", new HashSet<string>()));
        Assert.StartsWith($"Seed file '{path}' is not valid YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_OfSecrets_DoesNotPrintThem()
    {
        var seed = Yaml(TestSeed.Yaml);
        Assert.DoesNotContain(TestSeed.AliceSecret, seed.AccessKeys[0].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestSeed.PinnedMaterial, seed.Keys[0].ToString(), StringComparison.Ordinal);
    }
}
