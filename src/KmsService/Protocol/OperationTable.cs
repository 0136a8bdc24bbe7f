using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Protocol;

/// <summary>Runs one operation on a raw JSON body and writes the serialised response to <paramref name="response"/>.</summary>
internal delegate Task OperationHandler(ReadOnlyMemory<byte> body, CallContext call, ZeroingBufferWriter response, CancellationToken ct);

/// <summary>The one table of operations, keyed by <c>X-Amz-Target</c>: every operation of the KMS model, checked
/// against the model's list when the table is built.</summary>
internal sealed class OperationTable
{
    public const string TargetPrefix = "TrentService.";

    /// <summary>The options JsonSerializer itself writes KmsJsonContext's output with (it validates what it writes, so
    /// the writer need not again).</summary>
    private static readonly JsonWriterOptions ResponseWriterOptions = new()
    {
        Encoder = KmsJsonContext.Default.Options.Encoder,
        Indented = KmsJsonContext.Default.Options.WriteIndented,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    /// <summary>The operations of the KMS model, every one of which is implemented.</summary>
    private static readonly string[] ModelOperations =
    [
        "CancelKeyDeletion", "ConnectCustomKeyStore", "CreateAlias", "CreateCustomKeyStore", "CreateGrant", "CreateKey",
        "Decrypt", "DeleteAlias", "DeleteCustomKeyStore", "DeleteImportedKeyMaterial", "DeriveSharedSecret",
        "DescribeCustomKeyStores", "DescribeKey", "DisableKey", "DisableKeyRotation", "DisconnectCustomKeyStore",
        "EnableKey", "EnableKeyRotation", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GenerateRandom",
        "GetKeyLastUsage", "GetKeyPolicy", "GetKeyRotationStatus", "GetParametersForImport", "GetPublicKey",
        "ImportKeyMaterial", "ListAliases", "ListGrants", "ListKeyPolicies", "ListKeyRotations", "ListKeys",
        "ListResourceTags", "ListRetirableGrants", "PutKeyPolicy", "ReEncrypt", "ReplicateKey", "RetireGrant",
        "RevokeGrant", "RotateKeyOnDemand", "ScheduleKeyDeletion", "Sign", "TagResource", "UntagResource", "UpdateAlias",
        "UpdateCustomKeyStore", "UpdateKeyDescription", "UpdatePrimaryRegion", "Verify", "VerifyMac",
    ];

    /// <summary>Every operation, one line each: the type declares its name, JSON shapes and quota.</summary>
    private static readonly Registration[] Implemented =
    [
        Of<CreateKeyOperation>(),
        Of<DescribeKeyOperation>(),
        Of<ListKeysOperation>(),
        Of<EncryptOperation>(),
        Of<DecryptOperation>(),
        Of<ReEncryptOperation>(),
        Of<GenerateDataKeyOperation>(),
        Of<GenerateDataKeyWithoutPlaintextOperation>(),
        Of<GenerateRandomOperation>(),
        Of<TagResourceOperation>(),
        Of<UntagResourceOperation>(),
        Of<ListResourceTagsOperation>(),
        Of<UpdateKeyDescriptionOperation>(),
        Of<CreateAliasOperation>(),
        Of<UpdateAliasOperation>(),
        Of<DeleteAliasOperation>(),
        Of<ListAliasesOperation>(),
        Of<GetKeyPolicyOperation>(),
        Of<PutKeyPolicyOperation>(),
        Of<ListKeyPoliciesOperation>(),
        Of<EnableKeyOperation>(),
        Of<DisableKeyOperation>(),
        Of<ScheduleKeyDeletionOperation>(),
        Of<CancelKeyDeletionOperation>(),
        Of<EnableKeyRotationOperation>(),
        Of<DisableKeyRotationOperation>(),
        Of<GetKeyRotationStatusOperation>(),
        Of<RotateKeyOnDemandOperation>(),
        Of<ListKeyRotationsOperation>(),
        Of<CreateGrantOperation>(),
        Of<ListGrantsOperation>(),
        Of<ListRetirableGrantsOperation>(),
        Of<RetireGrantOperation>(),
        Of<RevokeGrantOperation>(),
        Of<SignOperation>(),
        Of<VerifyOperation>(),
        Of<GetPublicKeyOperation>(),
        Of<GenerateDataKeyPairOperation>(),
        Of<GenerateDataKeyPairWithoutPlaintextOperation>(),
        Of<GenerateMacOperation>(),
        Of<VerifyMacOperation>(),
        Of<DeriveSharedSecretOperation>(),
        Of<ReplicateKeyOperation>(),
        Of<UpdatePrimaryRegionOperation>(),
        Of<CreateCustomKeyStoreOperation>(),
        Of<ConnectCustomKeyStoreOperation>(),
        Of<DescribeCustomKeyStoresOperation>(),
        Of<DisconnectCustomKeyStoreOperation>(),
        Of<UpdateCustomKeyStoreOperation>(),
        Of<DeleteCustomKeyStoreOperation>(),
        Of<GetKeyLastUsageOperation>(),
        Of<GetParametersForImportOperation>(),
        Of<ImportKeyMaterialOperation>(),
        Of<DeleteImportedKeyMaterialOperation>(),
    ];

    private readonly FrozenDictionary<string, OperationEntry> _handlers;

    public OperationTable(IServiceProvider services)
    {
        var table = new Dictionary<string, OperationEntry>(StringComparer.Ordinal);
        foreach (var op in Implemented)
        {
            // A misspelt or repeated name would otherwise leave the model's operation unsupported without a word.
            if (!ModelOperations.Contains(op.Name, StringComparer.Ordinal)
                || !table.TryAdd(TargetPrefix + op.Name, new OperationEntry(op.Name, op.ReadOnly, op.Bind(services))))
            {
                throw new InvalidOperationException($"{op.Type.Name} declares the name '{op.Name}', which is not a KMS model operation or is declared twice.");
            }
        }

        foreach (var name in ModelOperations)
        {
            // Every operation of the model is built: one left out would answer UnknownOperationException, as for a name
            // the model does not have.
            if (!table.ContainsKey(TargetPrefix + name))
            {
                throw new InvalidOperationException($"The KMS model operation {name} has no registered implementation.");
            }
        }

        _handlers = table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The request quota of every implemented operation, by name.</summary>
    public static IEnumerable<KeyValuePair<string, RequestQuota>> Quotas =>
        Implemented.Select(op => KeyValuePair.Create(op.Name, op.Quota));

    public bool TryGet(string target, out OperationEntry entry) => _handlers.TryGetValue(target, out entry!);

    /// <summary>The operations' types, for tests that check every audit projection.</summary>
    internal static IEnumerable<Type> ImplementedTypes => Implemented.Select(op => op.Type);

    /// <summary>Registers every implemented operation as a singleton of its own type, and what they share.</summary>
    public static void Register(IServiceCollection services)
    {
        foreach (var op in Implemented)
        {
            services.AddSingleton(op.Type);
        }

        services.AddSingleton<KeyResolver>();
        services.AddSingleton<AwsManagedKeyFactory>();
        services.AddSingleton<Authorizer>();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<CiphertextOpener>();
        services.AddSingleton<SymmetricEncryption>();
        services.AddSingleton<AsymmetricEncryption>();
        services.AddSingleton<DataKeyPairs>();
        services.AddSingleton<OperationTable>();
    }

    /// <summary>The handler of one operation: reads the request, runs it, writes the response, then zeroes the secrets
    /// the request and the response held (<see cref="IHoldsSecrets"/>), whether the call succeeded or failed.
    /// The audit projection is taken before the secrets are zeroed: of the request alone when the call failed, of both
    /// once it succeeded; a body that could not be read leaves none.</summary>
    internal static OperationHandler Handler<TReq, TResp>(
        Func<TReq, CallContext, CancellationToken, Task<TResp>> execute, JsonTypeInfo<TReq> reqInfo, JsonTypeInfo<TResp> respInfo,
        Func<TReq, TResp?, CallContext, AuditProjection> project)
        where TReq : class =>
        async (body, call, output, ct) =>
        {
            var request = Deserialize(body, reqInfo);
            TResp? response = default;
            if (call.AuditTransaction is { } inTransaction)
            {
                // An operation answering an empty body is projected with it; others tell what they will answer.
                var assumed = typeof(TResp) == typeof(EmptyResponse) ? (TResp)(object)EmptyResponse.Instance : default;
                inTransaction.Projecting(call, () => project(request, assumed, call));
            }

            try
            {
                response = await execute(request, call, ct);
                Serialize(response, respInfo, output);
            }
            finally
            {
                call.Audit = project(request, response, call);
                (request as IHoldsSecrets)?.ClearSecrets();
                (response as IHoldsSecrets)?.ClearSecrets();
            }
        };

    private static Registration Of<TOp>()
        where TOp : class, IKmsOperation =>
        new(TOp.Name, TOp.Quota, TOp.ReadOnly, typeof(TOp), TOp.Bind);

    private static TReq Deserialize<TReq>(ReadOnlyMemory<byte> body, JsonTypeInfo<TReq> info)
        where TReq : class
    {
        // An empty body is an empty input structure, as the SDKs send "{}" for operations without input.
        // Out of reach here: System.Text.Json decodes base64 members through a scratch buffer that it clears when pooled
        // (values over 256 characters) but leaves on the stack otherwise, and a body that fails to read after its
        // Plaintext member was decoded leaves that array to the GC uncleared.
        var json = body.IsEmpty ? "{}"u8 : body.Span;
        try
        {
            return JsonSerializer.Deserialize(json, info)
                ?? throw new SerializationException("The request body must be a JSON object, not null.");
        }
        catch (RequestContentException e) when (e.Violation is not null)
        {
            var value = e.Violation is RequestContent.NotNull or RequestContent.MapValueNotNull ? "Value null" : "Value";
            throw new ValidationException($"1 validation error detected: {value} at '{MemberName(e.FullPath)}' failed to satisfy constraint: {e.Violation}");
        }
        catch (RequestContentException e)
        {
            throw new SerializationException($"The request body could not be read: {Describe(e.FullPath)}");
        }
        catch (JsonException e)
        {
            // The reader's message names the member path and position; it never echoes values.
            throw new SerializationException($"The request body could not be read: {Describe(e.Path)}");
        }
    }

    /// <summary>A JSON path of the request (<c>$.Tags[0].TagKey</c>) as AWS names the member in validation messages
    /// (<c>tags.1.member.tagKey</c>): members in camel case, list elements numbered from 1.</summary>
    internal static string MemberName(string jsonPath)
    {
        var name = new System.Text.StringBuilder(jsonPath.Length + 8);
        var path = jsonPath.AsSpan(jsonPath.StartsWith('$') ? 1 : 0);
        while (!path.IsEmpty)
        {
            if (path[0] == '[')
            {
                var end = path.IndexOf(']');
                var index = int.Parse(path[1..end], System.Globalization.CultureInfo.InvariantCulture);
                name.Append('.').Append(index + 1).Append(".member");
                path = path[(end + 1)..];
                continue;
            }

            path = path[0] == '.' ? path[1..] : path;
            var next = path.IndexOfAny('.', '[');
            var segment = next < 0 ? path : path[..next];
            if (!segment.IsEmpty)
            {
                name.Append(name.Length == 0 ? string.Empty : ".").Append(char.ToLowerInvariant(segment[0])).Append(segment[1..]);
            }

            path = next < 0 ? [] : path[next..];
        }

        return name.ToString();
    }

    /// <summary>Requires one well-formed JSON object, as the deserializer of a built operation does. Strings are not
    /// decoded: an operation decodes only the members it reads (invalid UTF-8 or a lone surrogate there is
    /// SerializationException) and skips unknown ones unread; CloudTrail operations not built yet read none.</summary>
    internal static void EnsureJsonObject(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                reader.Skip();

                // Read throws on anything but whitespace after the object.
                if (!reader.Read())
                {
                    return;
                }
            }
        }
        catch (JsonException)
        {
            // Answered below.
        }

        throw new SerializationException($"The request body could not be read: {Describe(null)}");
    }

    // Straight into the caller's zeroing buffer: JsonSerializer.SerializeToUtf8Bytes would leave a copy in a pooled
    // buffer that goes back to the pool uncleared. One writer per thread, reset for every response, as the serializer
    // itself caches them; no await runs between its Reset and its last write.
    private static void Serialize<T>(T value, JsonTypeInfo<T> info, ZeroingBufferWriter output)
    {
        var writer = _threadWriter ??= new Utf8JsonWriter(output, ResponseWriterOptions);
        writer.Reset(output);
        JsonSerializer.Serialize(writer, value, info);
        writer.Flush();
    }

    private static string Describe(string? jsonPath) =>
        jsonPath is { Length: > 1 } path
            ? $"unexpected or malformed value at {path}."
            : "it is not a JSON object in the shape of this operation's input.";

    /// <summary>One implemented operation as its type declares it.</summary>
    private sealed record Registration(string Name, RequestQuota Quota, bool ReadOnly, Type Type, Func<IServiceProvider, OperationHandler> Bind);
}

/// <summary>One operation of the table: its model name, CloudTrail's readOnly for it, its handler, and the
/// <c>eventSource</c> its calls are recorded under.</summary>
internal sealed record OperationEntry(string Name, bool ReadOnly, OperationHandler Handler, string EventSource = AuditEvent.KmsEventSource);
