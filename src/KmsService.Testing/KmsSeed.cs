using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsService.Testing;

/// <summary>A seed in the schema of KmsService's seed file: accounts with their principals, access keys and identity
/// policies, and keys (optionally with pinned material). The server validates it as it validates a seed file.</summary>
public sealed class KmsSeed
{
    /// <summary>Accounts and who may call in them.</summary>
    public IList<KmsSeedAccount> Accounts { get; init; } = [];

    /// <summary>Keys created at start-up and again after each reset.</summary>
    public IList<KmsSeedKey> Keys { get; init; } = [];

    /// <summary>The seed as the JSON a seed file holds.</summary>
    public string ToJson()
    {
        var accounts = new JsonArray();
        foreach (var account in Accounts)
        {
            var principals = new JsonArray();
            foreach (var principal in account.Principals)
            {
                var p = new JsonObject { ["arn"] = principal.Arn };
                if (principal.AccessKeys.Count > 0)
                {
                    p["accessKeys"] = new JsonArray([.. principal.AccessKeys.Select(k => (JsonNode)new JsonObject
                    {
                        ["accessKeyId"] = k.AccessKeyId,
                        ["secretAccessKey"] = k.SecretAccessKey,
                    })]);
                }

                if (principal.Policies.Count > 0)
                {
                    p["policies"] = new JsonArray([.. principal.Policies.Select(Document)]);
                }

                if (principal.Tags.Count > 0)
                {
                    p["tags"] = Map(principal.Tags);
                }

                principals.Add(p);
            }

            accounts.Add(new JsonObject { ["id"] = account.Id, ["principals"] = principals });
        }

        var keys = new JsonArray();
        foreach (var key in Keys)
        {
            var k = new JsonObject { ["account"] = key.Account, ["keyId"] = key.KeyId };
            if (key.Region is not null)
            {
                k["region"] = key.Region;
            }

            if (key.Description is not null)
            {
                k["description"] = key.Description;
            }

            if (key.Aliases.Count > 0)
            {
                k["aliases"] = new JsonArray([.. key.Aliases.Select(a => (JsonNode)JsonValue.Create(a))]);
            }

            if (key.Policy is not null)
            {
                k["policy"] = Document(key.Policy);
            }

            if (key.Material.Count > 0)
            {
                k["material"] = new JsonArray([.. key.Material.Select(m => (JsonNode)JsonValue.Create(m))]);
            }

            if (key.Enabled is { } enabled)
            {
                k["enabled"] = enabled;
            }

            if (key.Tags.Count > 0)
            {
                k["tags"] = Map(key.Tags);
            }

            keys.Add(k);
        }

        return new JsonObject { ["accounts"] = accounts, ["keys"] = keys }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Map(IDictionary<string, string> pairs) =>
        new(pairs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));

    // A policy given as JSON text, a JsonNode or any object System.Text.Json serializes (an anonymous object, a
    // dictionary); property names are kept as written (Version, Statement, Effect, …).
    private static JsonNode? Document(object policy) => policy switch
    {
        string text => JsonNode.Parse(text),
        JsonNode node => node.DeepClone(),
        _ => JsonSerializer.SerializeToNode(policy, policy.GetType()),
    };
}

/// <summary>An account of a <see cref="KmsSeed"/>.</summary>
public sealed class KmsSeedAccount
{
    /// <summary>The 12-digit account id.</summary>
    public required string Id { get; init; }

    /// <summary>The account's root, users and roles.</summary>
    public IList<KmsSeedPrincipal> Principals { get; init; } = [];
}

/// <summary>A principal (root, user or role) of a <see cref="KmsSeedAccount"/>.</summary>
public sealed class KmsSeedPrincipal
{
    /// <summary>Its IAM ARN: <c>arn:aws:iam::111122223333:root</c>, <c>…:user/name</c> or <c>…:role/name</c>.</summary>
    public required string Arn { get; init; }

    /// <summary>The access keys it signs with.</summary>
    public IList<KmsTestCredentials> AccessKeys { get; init; } = [];

    /// <summary>Identity policies: JSON text, a <see cref="JsonNode"/>, or an object that serializes to a policy
    /// document (<c>new { Version = "2012-10-17", Statement = new[] { … } }</c>).</summary>
    public IList<object> Policies { get; init; } = [];

    /// <summary>Principal tags (<c>aws:PrincipalTag/…</c> in conditions).</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>A key of a <see cref="KmsSeed"/>.</summary>
public sealed class KmsSeedKey
{
    /// <summary>The owning account's id (a seeded account, or the development account 000000000000).</summary>
    public required string Account { get; init; }

    /// <summary>The key id, a lowercase UUID.</summary>
    public required string KeyId { get; init; }

    /// <summary>Its region; default the server's region.</summary>
    public string? Region { get; init; }

    /// <summary>Its description.</summary>
    public string? Description { get; init; }

    /// <summary>Aliases (<c>alias/…</c>) that point at it.</summary>
    public IList<string> Aliases { get; init; } = [];

    /// <summary>Its key policy (as <see cref="KmsSeedPrincipal.Policies"/>); default the AWS default key policy.</summary>
    public object? Policy { get; init; }

    /// <summary>Pinned backing keys, base64 of 32 bytes each, oldest first, so that ciphertexts are reproducible
    /// across fresh stores. Empty: generated.</summary>
    public IList<string> Material { get; init; } = [];

    /// <summary>False creates it disabled; default enabled.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Key tags.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
