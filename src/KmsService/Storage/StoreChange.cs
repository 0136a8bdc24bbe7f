using System.Text;

namespace KmsService.Storage;

/// <summary>What a committed write changed, as far as the hot-path caches care: one key record (its state, policy,
/// tags, description, aliases or current backing key), a deleted key, one alias, the grants of one key, the identities
/// made through the admin API, or everything. Travels between instances as a <c>NOTIFY</c> payload (<see cref="ToPayload"/>, <see cref="Parse"/>).</summary>
internal sealed record StoreChange(StoreChangeKind Kind, string Arn = "", string Account = "", string Region = "", string AliasName = "")
{
    /// <summary>PostgreSQL's limit on a NOTIFY payload is 8000 bytes; a longer one is sent as <see cref="All"/>.</summary>
    public const int MaxPayloadBytes = 7999;

    // '|' occurs in none of the fields: ARNs, account ids, regions and alias names (^[a-zA-Z0-9:/_-]+$) exclude it.
    private const char Separator = '|';

    public static StoreChange All { get; } = new(StoreChangeKind.All);

    /// <summary>Accounts, principals, access keys, identity policies or principal tags changed (the admin API).</summary>
    public static StoreChange Identities { get; } = new(StoreChangeKind.Identities);

    public static StoreChange Key(string arn) => new(StoreChangeKind.Key, arn);

    public static StoreChange KeyDeleted(string arn) => new(StoreChangeKind.KeyDeleted, arn);

    public static StoreChange Alias(string account, string region, string aliasName) =>
        new(StoreChangeKind.Alias, Account: account, Region: region, AliasName: aliasName);

    public static StoreChange Grants(string keyArn) => new(StoreChangeKind.Grants, keyArn);

    /// <summary>The NOTIFY payload: <c>key|ARN</c>, <c>deleted|ARN</c>, <c>alias|ACCOUNT|REGION|NAME</c>,
    /// <c>grants|ARN</c>, <c>identities</c> or <c>all</c>.</summary>
    public string ToPayload()
    {
        var payload = Kind switch
        {
            StoreChangeKind.Key => $"key|{Arn}",
            StoreChangeKind.KeyDeleted => $"deleted|{Arn}",
            StoreChangeKind.Alias => $"alias|{Account}|{Region}|{AliasName}",
            StoreChangeKind.Grants => $"grants|{Arn}",
            StoreChangeKind.Identities => "identities",
            _ => "all",
        };

        // A field that breaks the format or the size limit still invalidates: everything, which is always safe.
        var fields = Kind == StoreChangeKind.Alias ? [Account, Region, AliasName] : new[] { Arn };
        return fields.Any(f => f.Contains(Separator, StringComparison.Ordinal)) || Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes
            ? "all"
            : payload;
    }

    /// <summary>Reads a payload; one this version does not know (a newer instance's) means <see cref="All"/>, so an
    /// unknown change never leaves a stale entry behind.</summary>
    public static StoreChange Parse(string payload)
    {
        var parts = payload.Split(Separator);
        return parts switch
        {
            ["key", var arn] when arn.Length > 0 => Key(arn),
            ["deleted", var arn] when arn.Length > 0 => KeyDeleted(arn),
            ["alias", var account, var region, var name] when name.Length > 0 => Alias(account, region, name),
            ["grants", var arn] when arn.Length > 0 => Grants(arn),
            ["identities"] => Identities,
            _ => All,
        };
    }
}

/// <summary>The kinds of <see cref="StoreChange"/>.</summary>
internal enum StoreChangeKind
{
    All,
    Key,
    KeyDeleted,
    Alias,
    Grants,
    Identities,
}
