using System.Text.Json;
using System.Text.Json.Nodes;
using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

/// <summary>
/// Policy evaluation cases as data: each file under Policy/Cases holds a key policy, identity policies, a request and
/// the expected decision with the deciding statements (by Sid, or "key#N" / "identityP#N" without one).
/// </summary>
public sealed class PolicyCaseTests
{
    private static readonly string CaseDirectory = Path.Combine(AppContext.BaseDirectory, "Policy", "Cases");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CaseDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Fact]
    public void Cases_AreMany()
    {
        Assert.True(Cases().Count >= 80, "expected at least 80 policy case files");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Case_MatchesExpected(string name)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(CaseDirectory, name + ".json")))!.AsObject();
        var keyPolicy = root["keyPolicy"] is { } k ? PolicyDocument.Parse(k.ToJsonString()) : null;
        var identity = new List<PolicyDocument>();
        foreach (var node in root["identityPolicies"]?.AsArray() ?? [])
        {
            identity.Add(PolicyDocument.Parse(node!.ToJsonString(), PolicyKind.IdentityPolicy));
        }

        var request = ReadRequest(root["request"]!.AsObject());
        var matches = new List<StatementMatch>();

        var traced = KmsAuthorization.Decide(request, keyPolicy, identity, matches);
        var fast = KmsAuthorization.Decide(request, keyPolicy, identity);

        var expected = root["expected"]!.AsObject();
        Assert.Equal(Enum.Parse<Decision>(expected["decision"]!.GetValue<string>()), traced.Decision);
        Assert.Equal(traced.Decision, fast.Decision);
        Assert.Equal(traced.Reason, fast.Reason);
        var expectedStatements = expected["statements"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        Assert.Equal(expectedStatements, matches.Select(Identify).ToArray());
        if (expected["reason"] is { } reason)
        {
            Assert.Equal(Enum.Parse<DenialReason>(reason.GetValue<string>()), traced.Reason);
        }

        if (traced.DecidingStatement is { } deciding)
        {
            Assert.Contains(Identify(deciding), expectedStatements);
        }

        if (traced.Decision == Decision.Allow)
        {
            Assert.Equal(DenialReason.None, traced.Reason);
        }
        else
        {
            Assert.StartsWith($"User: {request.CallerArn} is not authorized to perform: {request.Action}",
                traced.AccessDeniedMessage(request), StringComparison.Ordinal);
        }
    }

    private static string Identify(StatementMatch match) => match.Statement.Sid
        ?? (match.Source == PolicySource.KeyPolicy ? $"key#{match.Statement.Index}" : $"identity{match.PolicyIndex}#{match.Statement.Index}");

    private static RequestContext ReadRequest(JsonObject r)
    {
        var request = new RequestContext
        {
            PrincipalArn = r["principal"]!.GetValue<string>(),
            SessionArn = r["sessionArn"]?.GetValue<string>(),
            PrincipalAccount = r["account"]!.GetValue<string>(),
            PrincipalType = Enum.Parse<PrincipalType>(r["type"]!.GetValue<string>()),
            Username = r["username"]?.GetValue<string>(),
            UserId = r["userid"]?.GetValue<string>(),
            Action = r["action"]!.GetValue<string>(),
            ResourceArn = r["resource"]?.GetValue<string>(),
        };
        if (r["encryptionContext"] is JsonObject ec)
        {
            request.SetEncryptionContext(ec.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()));
        }

        foreach (var (key, value) in r["context"]?.AsObject() ?? [])
        {
            if (value is JsonArray values)
            {
                request.SetValues(key, values.Select(v => v!.GetValue<string>()));
            }
            else
            {
                request.Set(key, value!.GetValue<string>());
            }
        }

        return request;
    }
}
