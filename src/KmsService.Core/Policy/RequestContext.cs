namespace KmsService.Core.Policy;

/// <summary>One value or a set of values of a condition key in the request context.</summary>
public readonly struct ConditionValue
{
    private readonly string? _single;
    private readonly string[]? _set;

    private ConditionValue(string? single, string[]? set, bool ambiguous = false)
    {
        _single = single;
        _set = set;
        IsAmbiguous = ambiguous;
    }

    /// <summary>A single-valued key.</summary>
    public static ConditionValue Of(string value) => new(value, null);

    /// <summary>A multivalued key (used with ForAnyValue:/ForAllValues:); may be empty.</summary>
    public static ConditionValue OfSet(IEnumerable<string> values) => new(null, [.. values]);

    /// <summary>A single-valued key that the request gives several values under names that differ only in case
    /// (<c>kms:EncryptionContext:tenant</c> from the pairs <c>tenant</c> and <c>Tenant</c>): each value is tested on
    /// its own, and a statement holds only as the policy's effect can bear (see <see cref="ConditionClause"/>).</summary>
    public static ConditionValue OfAmbiguous(IEnumerable<string> values) => new(null, [.. values], ambiguous: true);

    /// <summary>True when the key was given as a set, even of one value.</summary>
    public bool IsSet => _set is not null;

    /// <summary>True for a single-valued key given several values under names that differ only in case.</summary>
    public bool IsAmbiguous { get; }

    /// <summary>The number of values; 0 for an empty set.</summary>
    public int Count => _set?.Length ?? (_single is null ? 0 : 1);

    /// <summary>The value at <paramref name="index"/>.</summary>
    public string this[int index] => _set is not null ? _set[index] : _single!;
}

/// <summary>
/// Who asks to do what on which resource, with the condition keys of the request: the input of policy evaluation.
/// Built once per request; the evaluator only reads it.
/// </summary>
public sealed class RequestContext
{
    // Sized for a cryptographic call on a key (time, transport, region, source IP, key spec/usage/origin, algorithm, an
    // encryption context of a pair or two: about a dozen keys) so that it is allocated once, not grown from 3 to 7 to
    // 17 entries with a rehash each time: the growth was the largest allocation of an Encrypt call.
    private readonly Dictionary<string, ConditionValue> _keys = new(16, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The caller as policies name it and as <c>aws:PrincipalArn</c> reports it: the IAM user ARN, the IAM role ARN
    /// for role sessions, <c>arn:aws:iam::ACCOUNT:root</c> for the root user, the service name for services.
    /// </summary>
    public required string PrincipalArn { get; init; }

    /// <summary>For role sessions, the session ARN (<c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c>).</summary>
    public string? SessionArn { get; init; }

    /// <summary>The caller's 12-digit account id (<c>aws:PrincipalAccount</c>, <c>kms:CallerAccount</c>).</summary>
    public required string PrincipalAccount { get; init; }

    /// <summary>The kind of caller (<c>aws:PrincipalType</c>).</summary>
    public PrincipalType PrincipalType { get; init; } = PrincipalType.User;

    /// <summary>The IAM user name (<c>aws:username</c>); only IAM users have one.</summary>
    public string? Username { get; init; }

    /// <summary>The caller's unique id (<c>aws:userid</c>).</summary>
    public string? UserId { get; init; }

    /// <summary>The action, e.g. <c>kms:Encrypt</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The key ARN; null for operations not tied to a key (CreateKey, ListKeys, GenerateRandom, ...).</summary>
    public string? ResourceArn { get; init; }

    /// <summary>The ARN of the caller used in AccessDenied messages: the session ARN for roles, else PrincipalArn.</summary>
    public string CallerArn => SessionArn ?? PrincipalArn;

    /// <summary>
    /// Most characters of request values the condition operators may compare for one request, counted once per policy
    /// value compared. Each comparison is linear, but a 32 KB policy of thousands of wildcard values against an 8192-
    /// character encryption context would still cost a third of a second; typical policies compare a few hundred
    /// characters. Beyond the budget every condition fails closed and the request is denied
    /// (<see cref="DenialReason.EvaluationLimitExceeded"/>).
    /// </summary>
    public const long ComparisonBudget = 4_000_000;

    private long _compared;

    /// <summary>True once the conditions of this request compared more than <see cref="ComparisonBudget"/>.</summary>
    public bool ComparisonBudgetExceeded => _compared > ComparisonBudget;

    /// <summary>Counts <paramref name="characters"/> compared; false once the budget is spent.</summary>
    internal bool Charge(long characters)
    {
        _compared += characters;
        return _compared <= ComparisonBudget;
    }

    /// <summary>Sets a single-valued condition key (names are case-insensitive, values are not).</summary>
    public RequestContext Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _keys[key] = ConditionValue.Of(value);
        return this;
    }

    /// <summary>Sets a multivalued condition key such as <c>aws:TagKeys</c> or <c>kms:GrantOperations</c>.</summary>
    public RequestContext SetValues(string key, IEnumerable<string> values)
    {
        _keys[key] = ConditionValue.OfSet(values);
        return this;
    }

    /// <summary>
    /// Sets <c>kms:EncryptionContext:&lt;key&gt;</c> for each pair and <c>kms:EncryptionContextKeys</c> to the keys.
    /// </summary>
    /// <remarks>
    /// AWS KMS Developer Guide, "kms:EncryptionContext:context-key": the condition key name, including the context key
    /// part, is not case sensitive; the value's case sensitivity follows the operator. So the pairs <c>tenant</c> and
    /// <c>Tenant</c> give one condition key two values, while the ciphertext binds both. The key is then
    /// <see cref="ConditionValue.IsAmbiguous"/>: the decision does not depend on the order of the pairs, and an Allow
    /// holds only when its condition holds for every value (a Deny fires when it holds for any), so a caller limited to
    /// <c>tenant=acme</c> cannot make a ciphertext that also binds <c>Tenant=globex</c>.
    /// </remarks>
    public RequestContext SetEncryptionContext(IReadOnlyDictionary<string, string>? encryptionContext)
    {
        if (encryptionContext is null || encryptionContext.Count == 0)
        {
            return this;
        }

        if (_keys.ContainsKey("kms:EncryptionContextKeys"))
        {
            throw new InvalidOperationException("The request's encryption context is already set.");
        }

        var names = new List<string>(encryptionContext.Count);
        Dictionary<string, List<string>>? collisions = null;
        foreach (var (name, value) in encryptionContext)
        {
            var key = "kms:EncryptionContext:" + name;
            // INVARIANT: set once per request (checked above), so a key already present came from this context.
            if (_keys.TryGetValue(key, out var earlier))
            {
                // Another pair of this context named the same key in another case.
                collisions ??= new(StringComparer.OrdinalIgnoreCase);
                if (!collisions.TryGetValue(key, out var values))
                {
                    collisions[key] = values = [earlier[0]];
                }

                values.Add(value);
            }
            else
            {
                _keys[key] = ConditionValue.Of(value);
            }

            names.Add(name);
        }

        foreach (var (key, values) in collisions ?? [])
        {
            _keys[key] = ConditionValue.OfAmbiguous(values);
        }

        _keys["kms:EncryptionContextKeys"] = ConditionValue.OfSet(names);
        return this;
    }

    /// <summary>Looks up a condition key that was set explicitly (not the ones derived from the caller).</summary>
    internal bool TryGetExplicit(string key, out ConditionValue value) => _keys.TryGetValue(key, out value);

    internal bool TryGet(ConditionKey key, out ConditionValue value)
    {
        string? single;
        switch (key.Derived)
        {
            case DerivedKey.None:
                return _keys.TryGetValue(key.Name, out value);
            case DerivedKey.PrincipalArn:
                single = PrincipalArn;
                break;
            case DerivedKey.PrincipalAccount:
                single = PrincipalAccount;
                break;
            case DerivedKey.PrincipalType:
                single = PrincipalTypeName(PrincipalType);
                break;
            case DerivedKey.Username:
                // IAM: aws:username is present only for IAM users.
                single = PrincipalType == PrincipalType.User ? Username : null;
                break;
            case DerivedKey.UserId:
                single = UserId;
                break;
            default:
                single = null;
                break;
        }

        value = single is null ? default : ConditionValue.Of(single);
        return single is not null;
    }

    internal static string PrincipalTypeName(PrincipalType type) => type switch
    {
        PrincipalType.Account => "Account",
        PrincipalType.User => "User",
        PrincipalType.FederatedUser => "FederatedUser",
        PrincipalType.Service => "Service",
        _ => "AssumedRole",
    };
}

/// <summary>Condition keys the evaluator reads from the caller's identity instead of the key table.</summary>
internal enum DerivedKey : byte
{
    None,
    PrincipalArn,
    PrincipalAccount,
    PrincipalType,
    Username,
    UserId,
}

/// <summary>A condition key name resolved at parse time.</summary>
internal sealed class ConditionKey
{
    private ConditionKey(string name, DerivedKey derived)
    {
        Name = name;
        Derived = derived;
    }

    public string Name { get; }

    public DerivedKey Derived { get; }

    // IAM: condition key names are case-insensitive.
    public static ConditionKey Resolve(string name) => new(name, name.ToLowerInvariant() switch
    {
        "aws:principalarn" => DerivedKey.PrincipalArn,
        "aws:principalaccount" or "kms:calleraccount" => DerivedKey.PrincipalAccount,
        "aws:principaltype" => DerivedKey.PrincipalType,
        "aws:username" => DerivedKey.Username,
        "aws:userid" => DerivedKey.UserId,
        _ => DerivedKey.None,
    });
}
