namespace KmsService.Seed;

/// <summary>A seed file that cannot be used; the message names the file and the path in the document.</summary>
internal sealed class SeedFileException(string message) : Exception(message);
