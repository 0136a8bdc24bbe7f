using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

/// <summary>Decides whether a caller may perform an action on a key. Until key policies are enforced, only
/// principals of the key's own account may use it; every operation calls <see cref="Demand"/> so that the
/// policy evaluator slots in here.</summary>
internal sealed class Authorizer
{
#pragma warning disable CA1822 // An instance member: the policy evaluator it will consult is injected here.
    public void Demand(CallContext call, string action, KmsKey key)
#pragma warning restore CA1822
    {
        if (key.AccountId != call.AccountId)
        {
            throw Denied(call, action, key.Arn);
        }
    }

    /// <summary>AWS's wording for a request no policy allows.</summary>
    public static AccessDeniedException Denied(CallContext call, string action, string resourceArn) =>
        new($"User: {call.PrincipalArn} is not authorized to perform: kms:{action} on resource: {resourceArn} because no resource-based policy allows the kms:{action} action");
}
