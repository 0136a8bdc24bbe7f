using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Grants;
using KmsService.Core.Keys;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Model shape <c>GrantConstraints</c>.</summary>
internal sealed record GrantConstraints(
    Dictionary<string, string>? EncryptionContextSubset,
    Dictionary<string, string>? EncryptionContextEquals);

internal sealed record CreateGrantRequest(
    string? KeyId,
    string? GranteePrincipal,
    string? RetiringPrincipal,
    IReadOnlyList<string>? Operations,
    GrantConstraints? Constraints,
    IReadOnlyList<string>? GrantTokens,
    string? Name,
    bool? DryRun);

internal sealed record CreateGrantResponse(string GrantToken, string GrantId);

/// <summary>
/// CreateGrant: gives a principal some grant operations on a key (key id or key ARN), optionally under an encryption
/// context constraint, up to Kms:Quotas:GrantsPerKey grants per key. Retried with the same Name and properties it
/// returns the existing grant's id with a fresh token. Refused on a Disabled key (DisabledException) and a key pending
/// deletion or import (KMSInvalidStateException), as in AWS's key-state table.
/// </summary>
internal sealed class CreateGrantOperation(
    KeyResolver keys, Authorizer authz, GrantStore grants, TimeProvider time, KmsOptions options, KnownPrincipals principals)
    : IKmsOperation<CreateGrantOperation, CreateGrantRequest, CreateGrantResponse>
{
    public static string Name => "CreateGrant";
    public static RequestQuota Quota => RequestQuota.PerSecond(50);
    public static JsonTypeInfo<CreateGrantRequest> RequestType => KmsJsonContext.Default.CreateGrantRequest;
    public static JsonTypeInfo<CreateGrantResponse> ResponseType => KmsJsonContext.Default.CreateGrantResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(CreateGrantRequest r, CreateGrantResponse? s, CallContext call) =>
        new(
        new()
        {
            KeyId = r.KeyId,
            GranteePrincipal = r.GranteePrincipal,
            RetiringPrincipal = r.RetiringPrincipal,
            Operations = r.Operations,
            Constraints = r.Constraints is { } c
                ? new() { EncryptionContextSubset = c.EncryptionContextSubset, EncryptionContextEquals = c.EncryptionContextEquals }
                : null,
            Name = r.Name,
            DryRun = r.DryRun,
        },
        // Never the grant token: only its id, and the key's ARN (ct-creategrant).
        s is null ? null : new() { GrantId = s.GrantId, KeyId = call.KeyArn });

    // KMS Developer Guide, "Using grant constraints": "Each grant constraint value can include up to 8 encryption
    // context pairs. The encryption context value in each grant constraint cannot exceed 384 characters."
    private const int MaxConstraintPairs = 8;
    private const int MaxConstraintCharacters = 384;

    public async Task<CreateGrantResponse> ExecuteAsync(CreateGrantRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.GranteePrincipal, "granteePrincipal").Principal(req.GranteePrincipal, "granteePrincipal")
            .Principal(req.RetiringPrincipal, "retiringPrincipal")
            .NotNull(req.Operations, "operations").GrantOperations(req.Operations)
            .GrantTokens(req.GrantTokens)
            .Length(req.Name, 1, 256, "name").Pattern(req.Name, GrantNames.IsValid, "^[a-zA-Z0-9:/_-]+$", "name")
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);

        var operations = Distinct(req.Operations!);
        var set = GrantOperationSet.Of([.. operations]);
        if (set == GrantOperationSet.Of(GrantOperation.CreateGrant))
        {
            // Recorded from AWS (botocore ClientError in a public issue of ansible/ansible, #31960).
            throw new ValidationException("Grants must not contain only the CreateGrant operation.");
        }

        var constraint = Constraint(req.Constraints);
        EnsurePrincipalArn(req.GranteePrincipal!, "GranteePrincipal");
        if (req.RetiringPrincipal is not null)
        {
            EnsurePrincipalArn(req.RetiringPrincipal, "RetiringPrincipal");
        }

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "CreateGrant", ct);
        await authz.DemandCreateGrantAsync(call, key, operations, constraint, req.GranteePrincipal!, req.RetiringPrincipal, ct);
        EnsureCanGrant(key);
        EnsureSupported(key, set, constraint);
        Common.ThrowIfDryRun(req.DryRun);

        var grant = new Grant(
            GrantToken.NewGrantId(),
            key.Arn,
            req.Name,
            req.GranteePrincipal!,
            req.RetiringPrincipal,
            $"arn:{call.Partition}:iam::{call.AccountId}:root",
            operations,
            constraint,
            // Whole milliseconds: what the wire carries, and what every store keeps exactly (list markers compare it).
            DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()));
        var token = GrantToken.Issue(grant.GrantId);
        call.AuditTransaction?.Responding(Project(req, new CreateGrantResponse(token, grant.GrantId), call));
        var (result, stored) = await grants.CreateAsync(grant, token, options.Quotas.GrantsPerKey, EnsureCanGrant, call.AuditTransaction, ct);
        return result switch
        {
            GrantWriteResult.Created => new CreateGrantResponse(token, grant.GrantId),
            GrantWriteResult.Existing => new CreateGrantResponse(GrantToken.Issue(stored!.GrantId), stored.GrantId),
            _ => throw new LimitExceededException(
                $"The request was rejected because the KMS key {key.Arn} already has {options.Quotas.GrantsPerKey} grants, its quota. Retire or revoke a grant of this key first."),
        };
    }

    /// <summary>AWS's key-state table for CreateGrant: Disabled is DisabledException, pending deletion or import (and
    /// the transitional states) KMSInvalidStateException; Unavailable keys still take grants.</summary>
    private static void EnsureCanGrant(KmsKey key)
    {
        if (key.KeyState != KeyState.Unavailable)
        {
            key.EnsureUsableForCryptography();
        }
    }

    // The operations must be ones the key supports, and a constraint needs a symmetric encryption key and an
    // operation it applies to (KMS Developer Guide, "Grants in AWS KMS" and "Using grant constraints").
    private static void EnsureSupported(KmsKey key, GrantOperationSet operations, GrantConstraint? constraint)
    {
        var unsupported = operations.Except(GrantOperations.SupportedBy(key.KeySpec, key.KeyUsage));
        if (!unsupported.IsEmpty)
        {
            throw new ValidationException(
                $"The grant operations [{string.Join(", ", unsupported.Operations().Select(GrantOperations.Name))}] are not valid for {key.Arn}: its key spec is {key.KeySpec.Name()} and its key usage {WireNames<KeyUsageType>.Name(key.KeyUsage)}.");
        }

        if (constraint is null)
        {
            return;
        }

        if (key.KeySpec != KeySpec.SymmetricDefault)
        {
            throw new ValidationException(
                $"Encryption context grant constraints are supported only for symmetric encryption KMS keys; {key.Arn} has key spec {key.KeySpec.Name()}.");
        }

        if (!operations.Overlaps(GrantOperationSet.WithEncryptionContext) && !operations.Contains(GrantOperation.CreateGrant))
        {
            throw new ValidationException(
                "Grant constraints apply only to grant operations that take an encryption context (Encrypt, Decrypt, ReEncryptFrom, ReEncryptTo, GenerateDataKey*); this grant has none.");
        }
    }

    private static GrantConstraint? Constraint(GrantConstraints? constraints)
    {
        if (constraints is null)
        {
            return null;
        }

        CheckPairs(constraints.EncryptionContextEquals, "EncryptionContextEquals");
        CheckPairs(constraints.EncryptionContextSubset, "EncryptionContextSubset");
        try
        {
            return GrantConstraint.From(constraints.EncryptionContextEquals, constraints.EncryptionContextSubset);
        }
        catch (ArgumentException)
        {
            // Recorded from AWS (quoted in hashicorp/terraform-provider-aws, internal/service/kms/grant.go).
            throw new ValidationException("More than one constraint supplied");
        }
    }

    private static void CheckPairs(Dictionary<string, string>? pairs, string member)
    {
        if (pairs is null)
        {
            return;
        }

        if (pairs.Count > MaxConstraintPairs)
        {
            throw new ValidationException($"The {member} grant constraint has {pairs.Count} encryption context pairs; at most {MaxConstraintPairs} are allowed.");
        }

        if (pairs.Sum(p => p.Key.Length + p.Value.Length) > MaxConstraintCharacters)
        {
            throw new ValidationException($"The encryption context in the {member} grant constraint exceeds {MaxConstraintCharacters} characters.");
        }

        // The constraint is matched against encryption contexts, which must be valid Unicode.
        SymmetricEncryption.Context(pairs);
    }

    // A syntactically allowed principal that is not the ARN of an account, user, role, role session or federated user,
    // or a user or role that does not exist (AWS answers InvalidArnException for both).
    private void EnsurePrincipalArn(string principal, string member)
    {
        if (!GrantPrincipals.IsValid(principal))
        {
            throw new InvalidArnException(
                $"{member} {principal} is not a valid principal ARN: use the ARN of an AWS account (arn:aws:iam::111122223333:root), IAM user, IAM role, assumed role session or federated user.");
        }

        if (!principals.Exists(principal))
        {
            throw new InvalidArnException($"{member} {principal} does not exist.");
        }
    }

    private static List<GrantOperation> Distinct(IReadOnlyList<string> names)
    {
        var operations = new List<GrantOperation>(names.Count);
        foreach (var name in names)
        {
            var operation = WireNames<GrantOperation>.Parse(name);
            if (!operations.Contains(operation))
            {
                operations.Add(operation);
            }
        }

        return operations;
    }
}

/// <summary>Model constraints of grant members, shared by the grant operations.</summary>
internal static class GrantRules
{
    public const string PrincipalPattern = @"^[\w+=,.@:/-]+$";

    /// <summary>A PrincipalIdType member: 1..256 characters of <c>^[\w+=,.@:/-]+$</c>.</summary>
    public static Validator Principal(this Validator v, string? value, string member) =>
        v.Length(value, 1, 256, member).Pattern(value, IsPrincipalId, PrincipalPattern, member);

    /// <summary>A GrantIdType member: 1..128 characters.</summary>
    public static Validator GrantId(this Validator v, string? value, string member) => v.Length(value, 1, 128, member);

    /// <summary>A GrantTokenType member: 1..8192 characters.</summary>
    public static Validator GrantToken(this Validator v, string? value, string member) => v.Length(value, 1, 8192, member);

    /// <summary>GrantOperationList: every item one of the GrantOperation enum's values, and at least one.</summary>
    public static Validator GrantOperations(this Validator v, IReadOnlyList<string>? operations)
    {
        if (operations is null)
        {
            return v;
        }

        var names = WireNames<GrantOperation>.AllNames;
        return v
            .Check(operations.Count > 0, "Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1")
            .Check(operations.All(o => WireNames<GrantOperation>.TryParse(o, out _)),
                $"Value '{Validator.Echo($"[{string.Join(", ", operations)}]")}' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", names)}]]");
    }

    /// <summary>A string member that must match the model's pattern (AWS's wording).</summary>
    public static Validator Pattern(this Validator v, string? value, Func<string, bool> matches, string pattern, string member) =>
        v.Check(value is null || value.Length == 0 || matches(value),
            $"Value '{Validator.Echo(value ?? string.Empty)}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}");

    private static bool IsPrincipalId(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || "+=,.@:/-".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Grant names: 1..256 characters of <c>^[a-zA-Z0-9:/_-]+$</c>.</summary>
internal static class GrantNames
{
    public static bool IsValid(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The GrantTokens member of requests: tokens are never needed here (grants are consistent at once), but
/// one this service did not issue is refused, as AWS refuses an invalid token.</summary>
internal static class GrantTokens
{
    public static void EnsureWellFormed(IReadOnlyList<string>? tokens)
    {
        if (tokens is null)
        {
            return;
        }

        for (var i = 0; i < tokens.Count; i++)
        {
            if (!GrantToken.IsWellFormed(tokens[i]))
            {
                throw new InvalidGrantTokenException("The grant token is not valid.");
            }
        }
    }
}

/// <summary>Grant ids: 64 hexadecimal characters, as AWS issues them; anything else names no grant we could have
/// issued: InvalidGrantIdException ("the specified GrantId is not valid", model), without a message, as AWS's wording
/// is not recorded (AWS-ERRORS.md "Grants") and must not describe our id format. A well-formed id that names no grant
/// of the key is NotFoundException.</summary>
internal static class GrantIds
{
    public static void EnsureWellFormed(string? grantId)
    {
        if (grantId is not null && (grantId.Length != 64 || !grantId.All(char.IsAsciiHexDigit)))
        {
            throw new InvalidGrantIdException();
        }
    }
}
