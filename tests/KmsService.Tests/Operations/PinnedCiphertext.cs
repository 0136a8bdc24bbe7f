namespace KmsService.Tests.Operations;

/// <summary>A ciphertext made under <see cref="Infrastructure.TestSeed.PinnedKeyArn"/> with context {purpose: pinned}.</summary>
internal static class PinnedCiphertext
{
    public const string Plaintext = "made once, decrypts on every fresh database";
    public const string Base64 =
        "AUthcm46YXdzOmttczp1cy1lYXN0LTE6MTExMTIyMjIzMzMzOmtleS8wYjdhN2MzZS0yZjFkLTRjOGUtOWE2Yi01ZDRjM2IyYTFmMDBPff9EYVNU/PRnCEl2E3A/foy6AccqOY7dKEkEON0yXNjLp8oHgifLCXHPaYq/gUUAyK7qQYM7clzp9vD2eo0LqQ49dCD4xWmSGviCYq1sqJxsH2Yyb8+9DhJxkEkZr0hAWJxft95CmatO3yCTLWSnGJSbMxglmA==";
}
