namespace KmsService.Hosting;

/// <summary>A configuration problem that stops start-up; its message says what to set.</summary>
internal sealed class StartupException(string message) : Exception(message);
