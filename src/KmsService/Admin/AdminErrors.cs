namespace KmsService.Admin;

/// <summary>An admin API error: answered as <c>{"__type": Code, "message": Message}</c> with <see cref="Status"/>.
/// Codes follow IAM's error names (NoSuchEntity, EntityAlreadyExists, …) with the <c>Exception</c> suffix the KMS wire
/// uses. Messages say what to fix and never carry a secret.</summary>
internal sealed class AdminException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static AdminException NoSuchEntity(string message) => new(StatusCodes.Status404NotFound, "NoSuchEntityException", message);

    public static AdminException AlreadyExists(string message) => new(StatusCodes.Status409Conflict, "EntityAlreadyExistsException", message);

    /// <summary>The seed file declares it, and the seed file wins: the admin API may not change it.</summary>
    public static AdminException DeclaredInSeed(string what) => new(
        StatusCodes.Status409Conflict,
        "UnmodifiableEntityException",
        $"{what} is declared in the seed file (Kms:SeedFile), which wins over the admin API: change it there and restart.");

    public static AdminException LimitExceeded(string message) => new(StatusCodes.Status409Conflict, "LimitExceededException", message);

    public static AdminException Invalid(string message) => new(StatusCodes.Status400BadRequest, "ValidationException", message);

    public static AdminException MalformedPolicy(string message) => new(StatusCodes.Status400BadRequest, "MalformedPolicyDocumentException", message);
}
