using Microsoft.OpenApi;

namespace KmsService.Admin;

/// <summary>The admin API's OpenAPI document (Microsoft.AspNetCore.OpenApi) at <see cref="DocumentPath"/>, and Swagger
/// UI (Swashbuckle) at <see cref="SwaggerPath"/> showing it. Both are static and public; the API they describe is
/// signed (SigV4, signing name <c>kmsadmin</c>), which Swagger UI's "Try it out" cannot do: use curl --aws-sigv4.</summary>
internal static class AdminOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/_kms/openapi/" + DocumentName + ".json";
    public const string SwaggerPath = "/_kms/swagger";

    public static void Add(IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            // Only the admin API: the KMS protocol (POST / with X-Amz-Target) is described by the AWS service model.
            o.ShouldInclude = d => d.RelativePath?.StartsWith(AdminEndpoints.Prefix[1..], StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "KmsService admin API",
                    Version = DocumentName,
                    Description = "Identities (accounts, principals, access keys, identity policies, tags), the root key's status and "
                        + "the audit verification. Every call is signed with AWS SigV4, signing name 'kmsadmin' (for example "
                        + "`curl --aws-sigv4 \"aws:amz:us-east-1:kmsadmin\" --user AKID:SECRET`), and allowed by the caller's "
                        + "identity policy (actions kmsadmin:ListPrincipals, kmsadmin:CreateAccessKey, …, kmsadmin:*). Errors are "
                        + "{\"__type\": \"…\", \"message\": \"…\"}.",
                };
                return Task.CompletedTask;
            });
        });

    public static void Map(WebApplication app) => app.MapOpenApi("/_kms/openapi/{documentName}.json");

    public static void UseSwaggerUi(WebApplication app) => app.UseSwaggerUI(o =>
    {
        o.RoutePrefix = SwaggerPath[1..];
        o.SwaggerEndpoint(DocumentPath, "KmsService admin API");
        o.DocumentTitle = "KmsService admin API";

        // Every call needs a SigV4 signature, which the page cannot make.
        o.SupportedSubmitMethods();
    });
}
