namespace KmsService.Core.Grants;

/// <summary>A grant on one KMS key: who may do which grant operations on it, under which constraint.</summary>
/// <param name="GrantId">64 lowercase hex characters, unique across the service.</param>
/// <param name="KeyArn">The key the grant is for.</param>
/// <param name="Name">The optional friendly name (CreateGrant idempotency), else null.</param>
/// <param name="GranteePrincipal">The principal ARN the grant gives its operations to.</param>
/// <param name="RetiringPrincipal">The principal ARN that may retire the grant, or null.</param>
/// <param name="IssuingAccount">The account the grant was issued under, as <c>arn:PARTITION:iam::ACCOUNT:root</c>.</param>
/// <param name="Operations">The operations as given to CreateGrant (model names, no duplicates).</param>
/// <param name="Constraints">The encryption context constraint, or null.</param>
/// <param name="CreationDate">When the grant was created.</param>
public sealed record Grant(
    string GrantId,
    string KeyArn,
    string? Name,
    string GranteePrincipal,
    string? RetiringPrincipal,
    string IssuingAccount,
    IReadOnlyList<GrantOperation> Operations,
    GrantConstraint? Constraints,
    DateTimeOffset CreationDate)
{
    /// <summary>The operations as a set, for the authorization path (computed on use, so that <c>with</c> copies stay
    /// right; a grant has at most 17 operations, and this allocates nothing).</summary>
    public GrantOperationSet OperationSet
    {
        get
        {
            var mask = 0;
            for (var i = 0; i < Operations.Count; i++)
            {
                mask |= GrantOperationSet.Of(Operations[i]).Mask;
            }

            return new GrantOperationSet(mask);
        }
    }
}

/// <summary>
/// A grant's encryption context constraint (model shape <c>GrantConstraints</c>): at most one of the two maps, never
/// empty (an empty map is no constraint). KMS API Reference, GrantConstraints: "in a grant constraint, the key in each
/// key-value pair is not case sensitive, but the value is case sensitive".
/// </summary>
public sealed class GrantConstraint
{
    // The pairs again as an array, to match requests against without allocating.
    private readonly KeyValuePair<string, string>[] _pairs;

    private GrantConstraint(IReadOnlyDictionary<string, string>? equals, IReadOnlyDictionary<string, string>? subset)
    {
        EncryptionContextEquals = equals;
        EncryptionContextSubset = subset;
        _pairs = [.. Pairs];
    }

    /// <summary>The request's encryption context must be exactly these pairs.</summary>
    public IReadOnlyDictionary<string, string>? EncryptionContextEquals { get; }

    /// <summary>The request's encryption context must include these pairs.</summary>
    public IReadOnlyDictionary<string, string>? EncryptionContextSubset { get; }

    /// <summary>The constraint's pairs, whichever kind it is.</summary>
    public IReadOnlyDictionary<string, string> Pairs => EncryptionContextEquals ?? EncryptionContextSubset!;

    /// <summary>The model member name of the constraint (the value of <c>kms:GrantConstraintType</c>).</summary>
    public string Type => EncryptionContextEquals is not null ? "EncryptionContextEquals" : "EncryptionContextSubset";

    /// <summary>A constraint from the two model members; null when both are absent or empty.</summary>
    /// <exception cref="ArgumentException">Both members have pairs.</exception>
    public static GrantConstraint? From(IReadOnlyDictionary<string, string>? equals, IReadOnlyDictionary<string, string>? subset)
    {
        var hasEquals = equals is { Count: > 0 };
        var hasSubset = subset is { Count: > 0 };
        if (hasEquals && hasSubset)
        {
            throw new ArgumentException("A grant constraint is either EncryptionContextEquals or EncryptionContextSubset, not both.");
        }

        return hasEquals ? new GrantConstraint(Copy(equals!), null)
            : hasSubset ? new GrantConstraint(null, Copy(subset!))
            : null;
    }

    /// <summary>Whether a request with <paramref name="encryptionContext"/> satisfies the constraint. Allocation-free.</summary>
    public bool Allows(IReadOnlyDictionary<string, string>? encryptionContext)
    {
        if (EncryptionContextEquals is not null && (encryptionContext?.Count ?? 0) != _pairs.Length)
        {
            return false;
        }

        return ContainsAll(encryptionContext, _pairs);
    }

    /// <summary>Whether two constraints are the same (CreateGrant idempotency): same kind, same pairs exactly.</summary>
    public static bool AreSame(GrantConstraint? a, GrantConstraint? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.Type != b.Type || a._pairs.Length != b._pairs.Length)
        {
            return false;
        }

        foreach (var (key, value) in a._pairs)
        {
            if (!b.Pairs.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a grant with <paramref name="child"/> is at least as strict as one with this constraint (KMS Developer
    /// Guide, "Granting CreateGrant permission"): a child may add pairs to a subset constraint or turn it into an
    /// equals constraint that includes them, but may not remove pairs or turn an equals constraint into a subset one.
    /// </summary>
    public bool IsSatisfiedBy(GrantConstraint? child)
    {
        if (child is null)
        {
            return false;
        }

        if (EncryptionContextEquals is not null)
        {
            return child.EncryptionContextEquals is { } childEquals
                && childEquals.Count == _pairs.Length
                && ContainsAll(childEquals, _pairs);
        }

        return ContainsAll(child.Pairs, _pairs);
    }

    // Every required pair is in the context: the key compared ignoring case, the value exactly.
    private static bool ContainsAll(IReadOnlyDictionary<string, string>? context, KeyValuePair<string, string>[] required)
    {
        if (context is null)
        {
            return required.Length == 0;
        }

        foreach (var (key, value) in required)
        {
            if (!Contains(context, key, value))
            {
                return false;
            }
        }

        return true;
    }

    // The key is compared ignoring case (API reference, GrantConstraints), so every pair whose key differs only in case
    // must carry the value: {"tenant":"globex","Tenant":"acme"} does not satisfy tenant=acme, since a ciphertext made
    // with it binds tenant=globex too. The decision then does not depend on the order of the pairs either.
    private static bool Contains(IReadOnlyDictionary<string, string> context, string key, string value)
    {
        // The common case: one pair, with the exact key.
        if (context.Count == 1 && context.TryGetValue(key, out var exact))
        {
            return string.Equals(exact, value, StringComparison.Ordinal);
        }

        // A Dictionary's struct enumerator keeps this allocation-free; other dictionaries box theirs.
        return context is Dictionary<string, string> dictionary
            ? AllCarry(dictionary.GetEnumerator(), key, value)
            : AllCarry(context.GetEnumerator(), key, value);
    }

    // True when some pair has the key (ignoring case) and every such pair has the value.
    private static bool AllCarry<TEnumerator>(TEnumerator pairs, string key, string value)
        where TEnumerator : IEnumerator<KeyValuePair<string, string>>
    {
        using (pairs)
        {
            var found = false;
            while (pairs.MoveNext())
            {
                var (contextKey, contextValue) = pairs.Current;
                if (string.Equals(contextKey, key, StringComparison.OrdinalIgnoreCase))
                {
                    if (!string.Equals(contextValue, value, StringComparison.Ordinal))
                    {
                        return false;
                    }

                    found = true;
                }
            }

            return found;
        }
    }

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string> pairs) =>
        new(pairs, StringComparer.Ordinal);
}
