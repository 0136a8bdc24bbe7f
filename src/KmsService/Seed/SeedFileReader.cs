using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KmsService.Core.Keys;
using KmsService.Core.Policy;
using KmsService.Identity;
using KmsService.Operations;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KmsService.Seed;

/// <summary>Reads a seed file (JSON, or YAML of the same shape), validating every member; a problem stops start-up
/// with a message naming the file and the path in the document (e.g. <c>$.keys[0].material</c>). Unknown members
/// are refused so that a misspelt name is not silently ignored.</summary>
internal static partial class SeedFileReader
{
    public static SeedDocument Read(string path, string defaultRegion, IReadOnlySet<string> builtInAccounts)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new SeedFileException($"Seed file '{path}' cannot be read: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SeedFileException($"Seed file '{path}' cannot be read: {e.Message}");
        }

        var isJson = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        JsonNode? root;
        try
        {
            root = isJson ? JsonNode.Parse(text) : YamlToJson(text);
        }
        catch (JsonException e)
        {
            throw new SeedFileException($"Seed file '{path}' is not valid JSON: {e.Message}");
        }
        catch (YamlException e)
        {
            throw new SeedFileException($"Seed file '{path}' is not valid YAML: {e.Message}");
        }

        return new Reader(path, defaultRegion, builtInAccounts).Document(root);
    }

    /// <summary>Parses a JSON or YAML seed document from text (tests and tools).</summary>
    internal static SeedDocument Parse(string text, bool yaml, string name = "seed", string defaultRegion = "us-east-1") =>
        new Reader(name, defaultRegion, new HashSet<string>()).Document(yaml ? YamlToJson(text) : JsonNode.Parse(text));

    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? string.Empty, Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.Plain)
        {
            if (value is "" or "~" or "null")
            {
                return null;
            }

            if (value is "true" or "false")
            {
                return JsonValue.Create(value == "true");
            }
        }

        return JsonValue.Create(value);
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::(\d{12}):(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)$")]
    private static partial Regex PrincipalArn();

    [GeneratedRegex(@"^[\w]{1,128}$")]
    private static partial Regex AccessKeyIdPattern();

    private sealed class Reader(string file, string defaultRegion, IReadOnlySet<string> builtInAccounts)
    {
        private readonly List<string> _accounts = [];
        private readonly List<AccessKey> _accessKeys = [];
        private readonly List<string> _principalArns = [];
        private KnownPrincipals? _knownPrincipals;
        private readonly HashSet<string> _accessKeyIds = new(StringComparer.Ordinal);

        public SeedDocument Document(JsonNode? root)
        {
            var obj = Object(root, "$", "accounts", "keys");
            foreach (var (account, path) in Items(obj["accounts"], "$.accounts"))
            {
                Account(account, path);
            }

            _knownPrincipals = new KnownPrincipals(_accounts.Concat(builtInAccounts), _principalArns);
            var keys = new List<SeedKey>();
            var keyArns = new HashSet<string>(StringComparer.Ordinal);
            var aliases = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, path) in Items(obj["keys"], "$.keys"))
            {
                var seedKey = Key(key, path);
                if (!keyArns.Add(KmsKey.BuildArn(seedKey.Region, seedKey.Account, seedKey.KeyId)))
                {
                    throw Fail($"{path}.keyId", $"key '{seedKey.KeyId}' is declared twice in account {seedKey.Account}, region {seedKey.Region}");
                }

                for (var i = 0; i < seedKey.Aliases.Count; i++)
                {
                    if (!aliases.Add($"{seedKey.Account}/{seedKey.Region}/{seedKey.Aliases[i]}"))
                    {
                        throw Fail($"{path}.aliases[{i}]", $"alias '{seedKey.Aliases[i]}' is declared twice in account {seedKey.Account}, region {seedKey.Region}");
                    }
                }

                keys.Add(seedKey);
            }

            return new SeedDocument(_accounts, _principalArns, _accessKeys, keys);
        }

        private void Account(JsonNode? node, string path)
        {
            var obj = Object(node, path, "id", "principals");
            var id = RequiredString(obj, path, "id");
            if (!KeyIdentifier.IsAccountId(id))
            {
                throw Fail($"{path}.id", "must be a 12-digit AWS account id");
            }

            if (_accounts.Contains(id))
            {
                throw Fail($"{path}.id", $"account {id} is declared twice");
            }

            _accounts.Add(id);
            foreach (var (principal, ppath) in Items(obj["principals"], $"{path}.principals"))
            {
                Principal(principal, ppath, id);
            }
        }

        private void Principal(JsonNode? node, string path, string account)
        {
            var obj = Object(node, path, "arn", "accessKeys", "policies", "tags");
            var arn = RequiredString(obj, path, "arn");
            var match = PrincipalArn().Match(arn);
            if (!match.Success)
            {
                throw Fail($"{path}.arn", "must be an IAM ARN such as arn:aws:iam::111122223333:root, …:user/name or …:role/name");
            }

            if (match.Groups[1].Value != account)
            {
                throw Fail($"{path}.arn", $"names account {match.Groups[1].Value}, but the principal is declared under account {account}");
            }

            var policies = new List<PolicyDocument>();
            foreach (var (policy, polPath) in Items(obj["policies"], $"{path}.policies"))
            {
                policies.Add(PolicyDocument.Parse(PolicyText(policy, polPath, PolicyKind.IdentityPolicy), PolicyKind.IdentityPolicy));
            }

            var principalTags = new Dictionary<string, string>(StringComparer.Ordinal);
            if (obj["tags"] is { } tagsNode)
            {
                var tobj = tagsNode as JsonObject ?? throw Fail($"{path}.tags", "must be a map of tag keys to values");
                foreach (var (tagKey, tagValue) in tobj)
                {
                    principalTags[tagKey] = tagValue is JsonValue tv && tv.TryGetValue<string>(out var ts)
                        ? ts
                        : throw Fail($"{path}.tags.{tagKey}", "must be a string");
                }
            }

            if (_principalArns.Contains(arn))
            {
                throw Fail($"{path}.arn", $"principal {arn} is declared twice");
            }

            _principalArns.Add(arn);
            var principal = new Principal(arn, account, policies) { Tags = principalTags };
            foreach (var (key, kpath) in Items(obj["accessKeys"], $"{path}.accessKeys"))
            {
                var keyObj = Object(key, kpath, "accessKeyId", "secretAccessKey");
                var id = RequiredString(keyObj, kpath, "accessKeyId");
                if (!AccessKeyIdPattern().IsMatch(id))
                {
                    throw Fail($"{kpath}.accessKeyId", "must be 1 to 128 letters, digits or underscores");
                }

                if (!_accessKeyIds.Add(id))
                {
                    throw Fail($"{kpath}.accessKeyId", $"access key '{id}' is declared twice");
                }

                var secret = RequiredString(keyObj, kpath, "secretAccessKey");
                _accessKeys.Add(new AccessKey(id, secret, principal));
            }
        }

        private SeedKey Key(JsonNode? node, string path)
        {
            var obj = Object(node, path, "account", "region", "keyId", "keySpec", "keyUsage", "description", "aliases", "policy", "material", "enabled", "rotation", "tags");
            var account = RequiredString(obj, path, "account");
            if (!_accounts.Contains(account) && !builtInAccounts.Contains(account))
            {
                throw Fail($"{path}.account", $"account {account} is not declared under accounts");
            }

            var region = OptionalString(obj, path, "region") ?? defaultRegion;
            if (!Partition.IsValidRegion(region))
            {
                throw Fail($"{path}.region", "must be a region name of an AWS partition such as us-east-1");
            }

            var keyId = RequiredString(obj, path, "keyId");
            if (!KeyIdentifier.IsKeyId(keyId) || keyId.StartsWith("mrk-", StringComparison.Ordinal))
            {
                throw Fail($"{path}.keyId", "must be a lowercase UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab");
            }

            var (spec, usage) = SpecAndUsage(obj, path, region);
            var description = OptionalString(obj, path, "description") ?? string.Empty;
            if (description.Length > 8192)
            {
                throw Fail($"{path}.description", "must be at most 8192 characters");
            }

            var aliases = new List<string>();
            foreach (var (alias, apath) in Items(obj["aliases"], $"{path}.aliases"))
            {
                var name = alias is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Fail(apath, "must be a string");
                if (!AliasNames.IsValid(name))
                {
                    throw Fail(apath, "must be 'alias/' followed by letters, digits, '/', '_', '-' or ':' (at most 256 characters)");
                }

                if (name.StartsWith(AliasNames.AwsReservedPrefix, StringComparison.Ordinal))
                {
                    throw Fail(apath, "names beginning with alias/aws/ are reserved for AWS managed keys");
                }

                aliases.Add(name);
            }

            var policy = obj["policy"] is { } p ? PolicyText(p, $"{path}.policy", PolicyKind.KeyPolicy) : null;
            if (policy is not null)
            {
                try
                {
                    _knownPrincipals!.EnsureExist(PolicyDocument.Parse(policy));
                }
                catch (Core.Errors.MalformedPolicyDocumentException e)
                {
                    throw Fail($"{path}.policy", $"{e.Message} Declare every user and role it names under accounts[].principals.");
                }
            }

            var materials = new List<byte[]>();
            if (obj["material"] is JsonArray)
            {
                foreach (var (item, mpath) in Items(obj["material"], $"{path}.material"))
                {
                    materials.Add(Material(item, mpath, spec));
                }
            }
            else if (obj["material"] is { } single)
            {
                materials.Add(Material(single, $"{path}.material", spec));
            }

            if (spec != KeySpec.SymmetricDefault && materials.Count > 1)
            {
                throw Fail($"{path}.material", $"a {spec.Name()} key has one material: only symmetric encryption keys rotate");
            }

            var enabled = OptionalBool(obj, path, "enabled") ?? true;
            SeedRotation? rotation = null;
            if (obj["rotation"] is { } rotationNode)
            {
                var robj = Object(rotationNode, $"{path}.rotation", "enabled", "periodInDays");
                var period = OptionalInt(robj, $"{path}.rotation", "periodInDays") ?? 365;
                if (period is < 90 or > 2560)
                {
                    throw Fail($"{path}.rotation.periodInDays", "must be from 90 to 2560 days");
                }

                rotation = new SeedRotation(OptionalBool(robj, $"{path}.rotation", "enabled") ?? true, period);
                if (rotation.Enabled && spec != KeySpec.SymmetricDefault)
                {
                    throw Fail($"{path}.rotation", $"only symmetric encryption keys rotate, not {spec.Name()} keys");
                }
            }

            var tags = new List<KeyValuePair<string, string>>();
            if (obj["tags"] is { } tagsNode)
            {
                var tobj = tagsNode as JsonObject ?? throw Fail($"{path}.tags", "must be a map of tag keys to values");
                foreach (var (tagKey, tagValue) in tobj)
                {
                    var tpath = $"{path}.tags.{tagKey}";
                    var value = tagValue is JsonValue tv && tv.TryGetValue<string>(out var ts) ? ts : throw Fail(tpath, "must be a string");
                    if (tagKey.Length is < 1 or > 128 || value.Length > 256)
                    {
                        throw Fail(tpath, "tag keys are 1 to 128 characters and values at most 256");
                    }

                    if (tagKey.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
                    {
                        throw Fail(tpath, "tag keys beginning with aws: are reserved");
                    }

                    tags.Add(new(tagKey, value));
                }

                if (tags.Count > TagRules.MaxTags)
                {
                    throw Fail($"{path}.tags", $"at most {TagRules.MaxTags} tags");
                }
            }

            return new SeedKey(account, region, keyId, spec, usage, description, aliases, policy, materials, enabled, rotation, tags);
        }

        /// <summary>keySpec (default SYMMETRIC_DEFAULT) and keyUsage, with CreateKey's rules: a usage the spec offers
        /// (needed only where the spec offers more than one), a spec offered in the key's region.</summary>
        private (KeySpec Spec, KeyUsageType Usage) SpecAndUsage(JsonObject obj, string path, string region)
        {
            var specName = OptionalString(obj, path, "keySpec") ?? "SYMMETRIC_DEFAULT";
            if (!WireNames<KeySpec>.TryParse(specName, out var spec))
            {
                throw Fail($"{path}.keySpec", $"must be one of {string.Join(", ", WireNames<KeySpec>.AllNames)}");
            }

            if (!KeySpecs.IsOfferedIn(spec, Partition.ForRegion(region)))
            {
                throw Fail($"{path}.keySpec", $"{specName} keys are offered only in the China regions, as on AWS");
            }

            if (!Core.Crypto.Asymmetric.KeySchemes.Supports(spec))
            {
                throw Fail($"{path}.keySpec", $"KmsService does not support {specName} keys yet");
            }

            var offered = Enum.GetValues<KeyUsageType>().Where(u => KeySpecs.Allows(spec, u)).ToList();
            var usageName = OptionalString(obj, path, "keyUsage");
            if (usageName is null)
            {
                return offered.Count == 1
                    ? (spec, offered[0])
                    : throw Fail($"{path}.keyUsage", $"is required for {specName} keys: one of {string.Join(", ", offered.Select(u => WireNames<KeyUsageType>.Name(u)))}");
            }

            if (!WireNames<KeyUsageType>.TryParse(usageName, out var usage) || !offered.Contains(usage))
            {
                throw Fail($"{path}.keyUsage", $"must be one of {string.Join(", ", offered.Select(u => WireNames<KeyUsageType>.Name(u)))} for {specName} keys");
            }

            return (spec, usage);
        }

        private byte[] Material(JsonNode? node, string path, KeySpec spec)
        {
            var b64 = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Fail(path, "must be a string");
            byte[] material;
            try
            {
                material = System.Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                throw Fail(path, "must be base64");
            }

            if (!Core.Crypto.Asymmetric.KeySchemes.IsValidMaterial(spec, material))
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
                throw Fail(path, spec == KeySpec.SymmetricDefault ? "must be the base64 encoding of exactly 32 bytes"
                    : KeySpecs.IsHmac(spec) ? $"must be the base64 encoding of exactly {KeySpecs.HmacKeyLength(spec)} bytes (an {spec.Name()} key)"
                    : $"must be the base64 encoding of a PKCS #8 DER private key of spec {spec.Name()}");
            }

            return material;
        }

        private bool? OptionalBool(JsonObject obj, string path, string name) =>
            obj[name] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<bool>(out var b) => b,
                _ => throw Fail($"{path}.{name}", "must be true or false"),
            };

        private int? OptionalInt(JsonObject obj, string path, string name) =>
            obj[name] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<int>(out var n) => n,
                JsonValue v when v.TryGetValue<string>(out var text) && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw Fail($"{path}.{name}", "must be a whole number"),
            };

        private string PolicyText(JsonNode? node, string path, PolicyKind kind)
        {
            if (node is not JsonObject)
            {
                throw Fail(path, "must be a policy document (an object with Version and Statement)");
            }

            var text = node.ToJsonString();
            try
            {
                _ = kind == PolicyKind.KeyPolicy ? PolicyDocument.Parse(text) : PolicyDocument.Parse(text, kind);
            }
            catch (Core.Errors.MalformedPolicyDocumentException e)
            {
                throw Fail(path, e.Message);
            }

            return text;
        }

        private JsonObject Object(JsonNode? node, string path, params string[] allowed)
        {
            if (node is not JsonObject obj)
            {
                throw Fail(path, "must be an object");
            }

            foreach (var (name, _) in obj)
            {
                if (!allowed.Contains(name))
                {
                    throw Fail($"{path}.{name}", $"unknown member; expected one of: {string.Join(", ", allowed)}");
                }
            }

            return obj;
        }

        private IEnumerable<(JsonNode? Item, string Path)> Items(JsonNode? node, string path)
        {
            if (node is null)
            {
                return [];
            }

            if (node is not JsonArray array)
            {
                throw Fail(path, "must be a list");
            }

            return array.Select((item, i) => (item, $"{path}[{i}]"));
        }

        private string RequiredString(JsonObject obj, string path, string name) =>
            OptionalString(obj, path, name) ?? throw Fail($"{path}.{name}", "is required");

        private string? OptionalString(JsonObject obj, string path, string name)
        {
            var node = obj[name];
            if (node is null)
            {
                return null;
            }

            return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Fail($"{path}.{name}", "must be a string");
        }

        private SeedFileException Fail(string path, string problem) => new($"Seed file '{file}': {path}: {problem}");
    }
}
