namespace KmsService.Tests.Infrastructure;

/// <summary>The seed file the service tests run with: two accounts with users and roles, and a pinned key.</summary>
public static class TestSeed
{
    public const string AliceAccessKey = "AKIAALICE0000000001";
    public const string AliceSecret = "alice-secret-key-0000000000000000000000";
    public const string AliceArn = "arn:aws:iam::111122223333:user/alice";
    public const string BobAccessKey = "AKIABOB000000000001";
    public const string BobSecret = "bob-secret-key-00000000000000000000000";
    public const string BobArn = "arn:aws:iam::111122223333:user/bob";

    /// <summary>A user with no identity policies: whatever carol may do comes from a key policy or a grant.</summary>
    public const string CarolAccessKey = "AKIACAROL0000000001";
    public const string CarolSecret = "carol-secret-key-0000000000000000000000";
    public const string CarolArn = "arn:aws:iam::111122223333:user/carol";

    /// <summary>A user whose only permission is cloudtrail:LookupEvents.</summary>
    public const string AuditorAccessKey = "AKIAAUDITOR00000001";
    public const string AuditorSecret = "auditor-secret-key-00000000000000000000";
    public const string AuditorArn = "arn:aws:iam::111122223333:user/auditor";

    /// <summary>A key whose policy lets the other account's role encrypt and decrypt only with tenant=acme.</summary>
    public const string SharedKeyId = "5e2b8c1a-7d3f-4e6a-9b0c-1d2e3f4a5b6c";
    public const string SharedKeyArn = "arn:aws:kms:us-east-1:111122223333:key/" + SharedKeyId;
    public const string OtherAccountArn = "arn:aws:iam::444455556666:role/other";
    public const string OtherAccountAccessKey = "AKIAOTHER0000000001";
    public const string OtherAccountSecret = "other-secret-key-0000000000000000000000";

    /// <summary>A user of the other account with no identity policies (cross-account grants).</summary>
    public const string DaveAccessKey = "AKIADAVE00000000001";
    public const string DaveSecret = "dave-secret-key-00000000000000000000000";
    public const string DaveArn = "arn:aws:iam::444455556666:user/dave";

    /// <summary>A key with pinned material: ciphertexts made under it decrypt on any fresh database.</summary>
    public const string PinnedKeyId = "0b7a7c3e-2f1d-4c8e-9a6b-5d4c3b2a1f00";
    public const string PinnedKeyArn = "arn:aws:kms:us-east-1:111122223333:key/" + PinnedKeyId;
    public const string PinnedAlias = "alias/pinned";
    public const string PinnedMaterial = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    public const string Yaml = $"""
        accounts:
          - id: "111122223333"
            principals:
              - arn: arn:aws:iam::111122223333:root
              - arn: {AliceArn}
                accessKeys:
                  - accessKeyId: {AliceAccessKey}
                    secretAccessKey: {AliceSecret}
                policies:
                  - Version: "2012-10-17"
                    Statement:
                      - Effect: Allow
                        Action: "kms:*"
                        Resource: "*"
              - arn: {BobArn}
                tags:
                  team: payments
                accessKeys:
                  - accessKeyId: {BobAccessKey}
                    secretAccessKey: {BobSecret}
                policies:
                  - Version: "2012-10-17"
                    Statement:
                      - Sid: BobMayEncryptAndDescribe
                        Effect: Allow
                        Action: [ "kms:Encrypt", "kms:DescribeKey", "kms:GenerateDataKey*" ]
                        Resource: "*"
                      - Sid: NeverDecrypt
                        Effect: Deny
                        Action: "kms:Decrypt"
                        Resource: "*"
              - arn: {CarolArn}
                accessKeys:
                  - accessKeyId: {CarolAccessKey}
                    secretAccessKey: {CarolSecret}
              - arn: {AuditorArn}
                accessKeys:
                  - accessKeyId: {AuditorAccessKey}
                    secretAccessKey: {AuditorSecret}
                policies:
                  - Version: "2012-10-17"
                    Statement:
                      - Effect: Allow
                        Action: "cloudtrail:LookupEvents"
                        Resource: "*"
          - id: "444455556666"
            principals:
              - arn: {DaveArn}
                accessKeys:
                  - accessKeyId: {DaveAccessKey}
                    secretAccessKey: {DaveSecret}
              - arn: {OtherAccountArn}
                accessKeys:
                  - accessKeyId: {OtherAccountAccessKey}
                    secretAccessKey: {OtherAccountSecret}
                policies:
                  - Version: "2012-10-17"
                    Statement:
                      - Effect: Allow
                        Action: "kms:*"
                        Resource: "*"
        keys:
          - account: "111122223333"
            region: us-east-1
            keyId: {PinnedKeyId}
            description: pinned for reproducible ciphertexts
            aliases: [ {PinnedAlias} ]
            material: {PinnedMaterial}
          - account: "111122223333"
            region: us-east-1
            keyId: {SharedKeyId}
            description: shared with the other account for tenant acme
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: Enable IAM User Permissions
                  Effect: Allow
                  Principal:
                    AWS: "arn:aws:iam::111122223333:root"
                  Action: "kms:*"
                  Resource: "*"
                - Sid: OtherAccountForAcme
                  Effect: Allow
                  Principal:
                    AWS: "{OtherAccountArn}"
                  Action: [ "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey" ]
                  Resource: "*"
                  Condition:
                    StringEquals:
                      "kms:EncryptionContext:tenant": acme
                - Sid: OtherAccountMayDescribe
                  Effect: Allow
                  Principal:
                    AWS: "{OtherAccountArn}"
                  Action: "kms:DescribeKey"
                  Resource: "*"
        """;

    public static string Write()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kms-seed-").FullName, "seed.yaml");
        File.WriteAllText(path, Yaml);
        return path;
    }
}
