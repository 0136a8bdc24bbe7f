namespace KmsService.Core.Errors;

/// <summary>AWS error <c>NotFoundException</c>.</summary>
public sealed class NotFoundException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(NotFoundException);
}

/// <summary>AWS error <c>DisabledException</c>.</summary>
public sealed class DisabledException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(DisabledException);
}

/// <summary>AWS error <c>KMSInvalidStateException</c>.</summary>
public sealed class KMSInvalidStateException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(KMSInvalidStateException);
}

/// <summary>AWS error <c>KMSInvalidMacException</c>: VerifyMac computed another MAC (AWS sends no message).</summary>
public sealed class KMSInvalidMacException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(KMSInvalidMacException);
}

/// <summary>AWS error <c>InvalidCiphertextException</c>.</summary>
public sealed class InvalidCiphertextException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidCiphertextException);
}

/// <summary>AWS error <c>KMSInvalidSignatureException</c>: Verify could not confirm the signature; AWS sends no message.</summary>
public sealed class KMSInvalidSignatureException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(KMSInvalidSignatureException);
}

/// <summary>AWS error <c>IncorrectKeyException</c>.</summary>
public sealed class IncorrectKeyException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(IncorrectKeyException);
}

/// <summary>AWS error <c>InvalidKeyUsageException</c>.</summary>
public sealed class InvalidKeyUsageException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidKeyUsageException);
}

/// <summary>AWS error <c>ValidationException</c>.</summary>
public sealed class ValidationException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(ValidationException);
}

/// <summary>AWS error <c>UnsupportedOperationException</c>.</summary>
public sealed class UnsupportedOperationException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(UnsupportedOperationException);
}

/// <summary>AWS error <c>AccessDeniedException</c>.</summary>
public sealed class AccessDeniedException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(AccessDeniedException);
}

/// <summary>AWS error <c>InvalidArnException</c>.</summary>
public sealed class InvalidArnException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidArnException);
}

/// <summary>AWS error <c>LimitExceededException</c>.</summary>
public sealed class LimitExceededException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(LimitExceededException);
}

/// <summary>AWS error <c>InvalidMarkerException</c>.</summary>
public sealed class InvalidMarkerException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidMarkerException);
}

/// <summary>AWS error <c>KMSInternalException</c>.</summary>
public sealed class KMSInternalException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(KMSInternalException);

    public override int HttpStatus => 500;
}

/// <summary>AWS error <c>DependencyTimeoutException</c>.</summary>
public sealed class DependencyTimeoutException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(DependencyTimeoutException);

    public override int HttpStatus => 500;
}

/// <summary>AWS error <c>KeyUnavailableException</c>.</summary>
public sealed class KeyUnavailableException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(KeyUnavailableException);

    public override int HttpStatus => 500;
}

/// <summary>AWS error <c>InvalidGrantTokenException</c>.</summary>
public sealed class InvalidGrantTokenException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidGrantTokenException);
}

/// <summary>AWS error <c>InvalidGrantIdException</c>.</summary>
public sealed class InvalidGrantIdException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidGrantIdException);
}

/// <summary>AWS error <c>DryRunOperationException</c>.</summary>
public sealed class DryRunOperationException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(DryRunOperationException);
}

/// <summary>AWS error <c>AlreadyExistsException</c>.</summary>
public sealed class AlreadyExistsException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(AlreadyExistsException);
}

/// <summary>AWS error <c>InvalidAliasNameException</c>.</summary>
public sealed class InvalidAliasNameException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidAliasNameException);
}

/// <summary>AWS error <c>TagException</c>.</summary>
public sealed class TagException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(TagException);
}

/// <summary>AWS error <c>MalformedPolicyDocumentException</c>.</summary>
public sealed class MalformedPolicyDocumentException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(MalformedPolicyDocumentException);
}

/// <summary>AWS error <c>SerializationException</c>.</summary>
public sealed class SerializationException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(SerializationException);
}

/// <summary>AWS error <c>UnknownOperationException</c>.</summary>
public sealed class UnknownOperationException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(UnknownOperationException);
}

/// <summary>AWS error <c>UnrecognizedClientException</c>.</summary>
public sealed class UnrecognizedClientException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(UnrecognizedClientException);
}

/// <summary>AWS error <c>InvalidSignatureException</c>.</summary>
public sealed class InvalidSignatureException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidSignatureException);
}

/// <summary>AWS error <c>MissingAuthenticationTokenException</c>.</summary>
public sealed class MissingAuthenticationTokenException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(MissingAuthenticationTokenException);
}

/// <summary>AWS error <c>IncompleteSignatureException</c>.</summary>
public sealed class IncompleteSignatureException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(IncompleteSignatureException);
}

/// <summary>AWS error <c>ThrottlingException</c>.</summary>
public sealed class ThrottlingException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(ThrottlingException);
}

/// <summary>AWS error <c>ExpiredTokenException</c>.</summary>
public sealed class ExpiredTokenException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(ExpiredTokenException);
}

/// <summary>AWS error <c>ConflictException</c>.</summary>
public sealed class ConflictException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(ConflictException);
}

/// <summary>AWS error <c>RequestTimeoutException</c> (408): the request body did not arrive in time. Not a KMS model
/// shape; the code the SDKs treat as transient (botocore's standard retry mode lists it).</summary>
public sealed class RequestTimeoutException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(RequestTimeoutException);

    public override int HttpStatus => 408;
}

/// <summary>AWS error <c>IncorrectKeyMaterialException</c>: the imported material is not material of the key's spec, or
/// not the material the key (or the named KeyMaterialId) holds.</summary>
public sealed class IncorrectKeyMaterialException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(IncorrectKeyMaterialException);
}

/// <summary>AWS error <c>ExpiredImportTokenException</c>: the import token's 24 hours have passed.</summary>
public sealed class ExpiredImportTokenException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(ExpiredImportTokenException);
}

/// <summary>AWS error <c>InvalidImportTokenException</c>: the import token was not issued for this key, or was altered.</summary>
public sealed class InvalidImportTokenException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(InvalidImportTokenException);
}
