using KmsService.Core.Errors;
using KmsService.Core.Policy;
using KmsService.Operations;
using KmsService.Protocol;

namespace KmsService.Audit.Lookup;

/// <summary>Authorizes LookupEvents as AWS does: <c>cloudtrail:LookupEvents</c> has no resource-level permissions, so the
/// caller's identity policies alone decide (the account root may do anything in its account), evaluated against
/// Resource <c>*</c>. A denial is AccessDeniedException in IAM's wording for an action without a resource.</summary>
internal sealed class LookupAuthorization(Authorizer authorizer)
{
    public const string Action = "cloudtrail:LookupEvents";

    public void Demand(CallContext call)
    {
        var result = authorizer.DecideServiceAction(call, Action);
        if (result.IsAllowed)
        {
            return;
        }

        var prefix = $"User: {call.PrincipalArn} is not authorized to perform: {Action}";
        throw new AccessDeniedException(result.Reason switch
        {
            DenialReason.ExplicitDenyInIdentityPolicy => prefix + " with an explicit deny in an identity-based policy",
            _ => $"{prefix} because no identity-based policy allows the {Action} action",
        });
    }
}
