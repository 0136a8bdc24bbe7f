namespace KmsService.Testing;

/// <summary>A <see cref="KmsTestServer"/> could not start, reset or stop; the message says what to fix.</summary>
public sealed class KmsTestServerException : Exception
{
    /// <summary>An exception with no message of its own.</summary>
    public KmsTestServerException()
    {
    }

    /// <summary>An exception with a message saying what to fix.</summary>
    public KmsTestServerException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with a message saying what to fix, and the failure it explains.</summary>
    public KmsTestServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
