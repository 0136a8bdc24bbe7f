using System.Collections.Frozen;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Audit.Lookup;

/// <summary>The CloudTrail operations served on the KMS endpoint, keyed by <c>X-Amz-Target</c>: LookupEvents, over this
/// service's own audit records; every other operation of the CloudTrail model (2013-11-01) answers
/// UnsupportedOperationException, which the model lists for each of them.</summary>
internal sealed class CloudTrailOperations
{
    /// <summary>The model's <c>targetPrefix</c> and the dot before the operation name.</summary>
    public const string TargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

    /// <summary>The model's SigV4 signing name: the service of the credential scope.</summary>
    public const string SigningName = "cloudtrail";

    /// <summary>CloudTrail's <c>eventSource</c> of its own API calls.</summary>
    public const string EventSource = "cloudtrail.amazonaws.com";

    /// <summary>The operations of the CloudTrail model.</summary>
    private static readonly string[] ModelOperations =
    [
        "AddTags", "CancelQuery", "CreateChannel", "CreateDashboard", "CreateEventDataStore", "CreateTrail",
        "DeleteChannel", "DeleteDashboard", "DeleteEventDataStore", "DeleteResourcePolicy", "DeleteTrail",
        "DeregisterOrganizationDelegatedAdmin", "DescribeQuery", "DescribeTrails", "DisableFederation", "EnableFederation",
        "GenerateQuery", "GetChannel", "GetDashboard", "GetEventConfiguration", "GetEventDataStore", "GetEventSelectors",
        "GetImport", "GetInsightSelectors", "GetQueryResults", "GetResourcePolicy", "GetTrail", "GetTrailStatus",
        "ListChannels", "ListDashboards", "ListEventDataStores", "ListImportFailures", "ListImports", "ListInsightsData",
        "ListInsightsMetricData", "ListPublicKeys", "ListQueries", "ListTags", "ListTrails", "LookupEvents",
        "PutEventConfiguration", "PutEventSelectors", "PutInsightSelectors", "PutResourcePolicy",
        "RegisterOrganizationDelegatedAdmin", "RemoveTags", "RestoreEventDataStore", "SearchSampleQueries",
        "StartDashboardRefresh", "StartEventDataStoreIngestion", "StartImport", "StartLogging", "StartQuery",
        "StopEventDataStoreIngestion", "StopImport", "StopLogging", "UpdateChannel", "UpdateDashboard",
        "UpdateEventDataStore", "UpdateTrail",
    ];

    private readonly FrozenDictionary<string, OperationEntry> _entries;

    public CloudTrailOperations(LookupEventsOperation lookupEvents)
    {
        var table = new Dictionary<string, OperationEntry>(StringComparer.Ordinal)
        {
            [TargetPrefix + LookupEventsOperation.Name] = new(
                LookupEventsOperation.Name,
                ReadOnly: true,
                OperationTable.Handler(
                    lookupEvents.ExecuteAsync,
                    LookupJsonContext.Default.LookupEventsRequest,
                    LookupJsonContext.Default.LookupEventsResponse,
                    static (_, _, _) => new AuditProjection(null)),
                EventSource),
        };

        foreach (var name in ModelOperations)
        {
            var readOnly = name.StartsWith("Describe", StringComparison.Ordinal) || name.StartsWith("Get", StringComparison.Ordinal)
                || name.StartsWith("List", StringComparison.Ordinal) || name.StartsWith("Lookup", StringComparison.Ordinal);
            table.TryAdd(TargetPrefix + name, new OperationEntry(name, readOnly, Unsupported(name), EventSource));
        }

        _entries = table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The request quota of LookupEvents: two per second per account and region (CloudTrail API Reference,
    /// LookupEvents).</summary>
    public static IEnumerable<KeyValuePair<string, RequestQuota>> Quotas =>
        [KeyValuePair.Create(LookupEventsOperation.Name, RequestQuota.PerSecond(2))];

    /// <summary>True when <paramref name="target"/> names a CloudTrail operation (or claims to).</summary>
    public static bool Owns(string target) => target.StartsWith(TargetPrefix, StringComparison.Ordinal);

    public bool TryGet(string target, out OperationEntry entry) => _entries.TryGetValue(target, out entry!);

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<LookupAuthorization>();
        services.AddSingleton<LookupPageTokens>();
        services.AddSingleton<AuditRecordReader>();
        services.AddSingleton<LookupEventsOperation>();
        services.AddSingleton<CloudTrailOperations>();
    }

    /// <summary>The body must still be a JSON object (SerializationException otherwise), as for KMS operations not
    /// built; then the answer is UnsupportedOperationException.</summary>
    private static OperationHandler Unsupported(string name) =>
        (body, _, _, _) =>
        {
            OperationTable.EnsureJsonObject(body.Span);
            throw new UnsupportedOperationException(
                $"KmsService serves only the LookupEvents operation of CloudTrail; {name} is not supported.");
        };
}
