namespace KmsService.Core.Errors;

/// <summary>An error that the service answers with an AWS-shaped body: <c>{"__type": ErrorCode, "message": Message}</c>.</summary>
public abstract class KmsException : Exception
{
    protected KmsException(string? message)
        : base(message ?? string.Empty)
    {
        HasMessage = message is not null;
    }

    /// <summary>The model's error shape name, sent as <c>__type</c>.</summary>
    public abstract string ErrorCode { get; }

    /// <summary>HTTP status; 400 for client errors, 500 for the modelled faults.</summary>
    public virtual int HttpStatus => 400;

    /// <summary>False where AWS sends no <c>message</c> member at all (recorded as "(none)").</summary>
    public bool HasMessage { get; }
}
