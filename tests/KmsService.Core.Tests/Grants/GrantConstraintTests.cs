using KmsService.Core.Grants;
using Xunit;

namespace KmsService.Core.Tests.Grants;

public sealed class GrantConstraintTests
{
    private static Dictionary<string, string> Pairs(params string[] kv)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < kv.Length; i += 2)
        {
            pairs[kv[i]] = kv[i + 1];
        }

        return pairs;
    }

    [Fact]
    public void From_NoOrEmptyMaps_IsNoConstraint()
    {
        Assert.Null(GrantConstraint.From(null, null));
        Assert.Null(GrantConstraint.From(Pairs(), Pairs()));
        Assert.Throws<ArgumentException>(() => GrantConstraint.From(Pairs("a", "1"), Pairs("b", "2")));
        Assert.Equal("EncryptionContextEquals", GrantConstraint.From(Pairs("a", "1"), Pairs())!.Type);
        Assert.Equal("EncryptionContextSubset", GrantConstraint.From(null, Pairs("a", "1"))!.Type);
    }

    [Fact]
    public void Allows_KeysDifferingOnlyInCase_EveryOneMustCarryTheValue()
    {
        // A ciphertext made with {"tenant":"globex","Tenant":"acme"} binds tenant=globex: a grant for tenant=acme must not
        // allow it, whichever order the pairs come in.
        var subset = GrantConstraint.From(null, Pairs("tenant", "acme"))!;
        Assert.False(subset.Allows(Pairs("tenant", "globex", "Tenant", "acme")));
        Assert.False(subset.Allows(Pairs("Tenant", "acme", "tenant", "globex")));
        Assert.False(subset.Allows(new SortedDictionary<string, string>(Pairs("Tenant", "acme", "tenant", "globex"), StringComparer.Ordinal)));
        Assert.True(subset.Allows(Pairs("Tenant", "acme", "tenant", "acme")));
        Assert.True(subset.Allows(Pairs("TENANT", "acme", "other", "globex")));

        var equals = GrantConstraint.From(Pairs("tenant", "acme", "x", "1"), null)!;
        Assert.False(equals.Allows(Pairs("tenant", "globex", "Tenant", "acme")));
    }

    [Fact]
    public void Subset_RequiresEveryPair_KeyIgnoringCase_ValueExactly()
    {
        // KMS Developer Guide, "Grant constraints" example: {"Department":"Finance","Classification":"Public"}.
        var subset = GrantConstraint.From(null, Pairs("Department", "Finance", "Classification", "Public"))!;
        Assert.True(subset.Allows(Pairs("Department", "Finance", "Classification", "Public")));
        Assert.True(subset.Allows(Pairs("Customer", "12345", "Department", "Finance", "Classification", "Public", "Purpose", "Test")));
        Assert.True(subset.Allows(Pairs("department", "Finance", "CLASSIFICATION", "Public")));
        Assert.False(subset.Allows(Pairs("Department", "Finance")));
        Assert.False(subset.Allows(Pairs("department", "finance", "classification", "public")));
        Assert.False(subset.Allows(Pairs("Classification", "Public", "Customer", "12345")));
        Assert.False(subset.Allows(null));
    }

    [Fact]
    public void Equals_RequiresExactlyThePairs()
    {
        var equals = GrantConstraint.From(Pairs("Department", "IT"), null)!;
        Assert.True(equals.Allows(Pairs("Department", "IT")));
        Assert.True(equals.Allows(Pairs("DEPARTMENT", "IT")));
        Assert.False(equals.Allows(Pairs("Department", "IT", "Purpose", "Test")));
        Assert.False(equals.Allows(Pairs("Department", "it")));
        Assert.False(equals.Allows(Pairs()));
    }

    [Fact]
    public void IsSatisfiedBy_ChildMustBeAtLeastAsStrict()
    {
        var subset = GrantConstraint.From(null, Pairs("a", "1"))!;
        Assert.True(subset.IsSatisfiedBy(GrantConstraint.From(null, Pairs("a", "1", "b", "2"))));
        Assert.True(subset.IsSatisfiedBy(GrantConstraint.From(Pairs("a", "1", "b", "2"), null)));
        Assert.False(subset.IsSatisfiedBy(GrantConstraint.From(null, Pairs("b", "2"))));
        Assert.False(subset.IsSatisfiedBy(null));

        var equals = GrantConstraint.From(Pairs("a", "1"), null)!;
        Assert.True(equals.IsSatisfiedBy(GrantConstraint.From(Pairs("a", "1"), null)));
        Assert.False(equals.IsSatisfiedBy(GrantConstraint.From(null, Pairs("a", "1"))));
        Assert.False(equals.IsSatisfiedBy(GrantConstraint.From(Pairs("a", "1", "b", "2"), null)));
    }

    [Fact]
    public void AreSame_ComparesKindAndPairsExactly()
    {
        Assert.True(GrantConstraint.AreSame(null, null));
        Assert.True(GrantConstraint.AreSame(GrantConstraint.From(null, Pairs("a", "1", "b", "2")), GrantConstraint.From(null, Pairs("b", "2", "a", "1"))));
        Assert.False(GrantConstraint.AreSame(GrantConstraint.From(null, Pairs("a", "1")), GrantConstraint.From(Pairs("a", "1"), null)));
        Assert.False(GrantConstraint.AreSame(GrantConstraint.From(null, Pairs("a", "1")), GrantConstraint.From(null, Pairs("A", "1"))));
        Assert.False(GrantConstraint.AreSame(GrantConstraint.From(null, Pairs("a", "1")), null));
    }
}
