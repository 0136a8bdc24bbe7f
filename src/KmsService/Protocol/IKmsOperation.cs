namespace KmsService.Protocol;

/// <summary>One KMS API operation: a typed request in, a typed response out; errors are thrown as KmsException.</summary>
internal interface IKmsOperation<in TRequest, TResponse>
{
    Task<TResponse> ExecuteAsync(TRequest request, CallContext call, CancellationToken cancellationToken);
}

/// <summary>Response of the operations whose model output is empty; serialised as <c>{}</c>.</summary>
internal sealed record EmptyResponse
{
    public static EmptyResponse Instance { get; } = new();
}
