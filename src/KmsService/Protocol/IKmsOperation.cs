using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Protocol;

/// <summary>What the operation table needs of an operation type: its model name, its request quota and its handler.</summary>
internal interface IKmsOperation
{
    /// <summary>The operation's name in the KMS model, as sent in <c>X-Amz-Target</c> after <c>TrentService.</c>.</summary>
    static abstract string Name { get; }

    /// <summary>The AWS request quota the operation draws from.</summary>
    static abstract RequestQuota Quota { get; }

    /// <summary>CloudTrail's <c>readOnly</c> for the operation: true when it changes nothing.</summary>
    static abstract bool ReadOnly { get; }

    /// <summary>The handler of the operation's calls, with the operation resolved from <paramref name="services"/>.</summary>
    static abstract OperationHandler Bind(IServiceProvider services);
}

/// <summary>One KMS API operation: a typed request in, a typed response out; errors are thrown as KmsException. The
/// type names itself (<typeparamref name="TSelf"/>) so that the table can register it with one line and resolve it
/// as itself, a singleton of its own type.</summary>
internal interface IKmsOperation<TSelf, TRequest, TResponse> : IKmsOperation
    where TSelf : class, IKmsOperation<TSelf, TRequest, TResponse>
    where TRequest : class
{
    /// <summary>The source-generated reader of the request (a <c>KmsJsonContext</c> member, so a shape missing from
    /// the context does not compile).</summary>
    static abstract JsonTypeInfo<TRequest> RequestType { get; }

    /// <summary>The source-generated writer of the response.</summary>
    static abstract JsonTypeInfo<TResponse> ResponseType { get; }

    static OperationHandler IKmsOperation.Bind(IServiceProvider services) =>
        OperationTable.Handler(services.GetRequiredService<TSelf>().ExecuteAsync, TSelf.RequestType, TSelf.ResponseType, TSelf.Project);

    /// <summary>The call as CloudTrail logs it: the request's <c>requestParameters</c> and, once the call succeeded,
    /// the response's <c>responseElements</c> and <c>additionalEventData</c> (<paramref name="response"/> is null when
    /// the call failed). <paramref name="call"/> gives what the call resolved (<see cref="CallContext.KeyArn"/>), which
    /// CloudTrail records although the response does not carry it. Built only of <see cref="AuditParameters"/> and
    /// its string-only shapes, which cannot hold a secret.</summary>
    static abstract AuditProjection Project(TRequest request, TResponse? response, CallContext call);

    Task<TResponse> ExecuteAsync(TRequest request, CallContext call, CancellationToken cancellationToken);
}

/// <summary>Response of the operations whose model output is empty; serialised as <c>{}</c>.</summary>
internal sealed record EmptyResponse
{
    public static EmptyResponse Instance { get; } = new();
}
