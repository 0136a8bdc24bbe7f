using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using KmsService.Protocol;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmsService.Tests.Protocol.BadInput;

/// <summary>
/// Issue 10: the bad-input corpus (<see cref="BadInputCorpus"/>, generated from the KMS model) against a server with a
/// store of its own, sent as signed raw requests, many at once. Every case must get an AWS-shaped 4xx with the
/// expected <c>__type</c>, a message that does not echo oversized values, and no error-level log line.
/// </summary>
public abstract class BadInputCorpusTests(StoreFixture fixture)
{
    /// <summary>Longest message a case may get: an echoed value is cut at Validator.MaxEchoedCharacters.</summary>
    private const int MaxMessageLength = Validator.MaxEchoedCharacters + 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Model_Operations_AreTheServiceTableOperations()
    {
        fixture.EnsureAvailable();
        var corpus = BadInputCorpus.Load();
        var table = fixture.Server.Services.GetRequiredService<OperationTable>();

        Assert.Equal(54, corpus.Operations.Count);
        Assert.All(corpus.Operations, op => Assert.True(table.TryGet(OperationTable.TargetPrefix + op, out _), op));
    }

    [Fact]
    public async Task Corpus_EveryOperation_AnswersAwsShaped4xxWithoutErrorLog()
    {
        fixture.EnsureAvailable();
        var log = new ErrorLogCapture();
        PostgresDatabase? database = fixture is PostgresFixture ? await PostgresDatabase.CreateAsync() : null;
        try
        {
            await using var server = await KmsServer.StartAsync(
                database?.ConnectionString, TestSeed.Write(), configure: s => s.AddSingleton<ILoggerProvider>(log));
            var failures = await RunAsync(server);

            Assert.True(failures.Count == 0, $"{failures.Count} cases failed:\n{string.Join("\n", failures.Order(StringComparer.Ordinal).Take(60))}");
            Assert.True(log.Errors.IsEmpty, $"Error-level log lines:\n{string.Join("\n", log.Errors.Take(20))}");
        }
        finally
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
        }
    }

    private static async Task<List<string>> RunAsync(KmsServer server)
    {
        var corpus = BadInputCorpus.Load();
        // Every operation of the model is built, so every member-level case reaches the operation's own validation.
        var implemented = OperationTable.Quotas.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(corpus.Operations, op => !implemented.Contains(op));
        using var http = new HttpClient();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct };

        var baseline = new ConcurrentDictionary<string, Outcome>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(corpus.Operations, parallel, async (op, ct) =>
            baseline[op] = await SendAsync(http, server, op, corpus.Base(op), ct));

        var cases = corpus.Operations.SelectMany(op => corpus.Cases(op).Concat(corpus.KeyIdCases(op))).ToList();
        Assert.True(cases.Count > 2000, $"Only {cases.Count} cases were generated.");

        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, parallel, async (c, ct) =>
        {
            var got = await SendAsync(http, server, c.Operation, c.Body, ct);
            if (Check(c, got, baseline[c.Operation]) is { } problem)
            {
                failures.Add($"{c}: {problem}; got {(int)got.Status} {got.Type}: {Cut(got.Message)}");
            }
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"{cases.Count} bad-input cases in {clock.Elapsed.TotalSeconds:F1} s");
        return [.. failures];
    }

    /// <summary>Why the answer is wrong for the case, or null.</summary>
    private static string? Check(BadInputCase c, Outcome got, Outcome baseline)
    {
        if (c.Expect == Expect.SameAsBase)
        {
            return got.Status == baseline.Status && got.Type == baseline.Type
                ? null
                : $"expected the base request's answer {(int)baseline.Status} {baseline.Type}";
        }

        if ((int)got.Status is < 400 or >= 500 || got.Type is null)
        {
            return "expected an AWS-shaped 4xx";
        }

        if (got.Message is { Length: > MaxMessageLength })
        {
            return $"message of {got.Message.Length} characters";
        }

        string[] expected = c.Expect switch
        {
            Expect.Syntax => ["SerializationException"],
            Expect.TooLarge => ["ValidationException"],
            Expect.Serialization => ["SerializationException"],
            Expect.Validation => ["ValidationException"],
            // An alias as an alias's TargetKeyId: "Aliases must refer to keys. Not aliases".
            Expect.KeyLookup when c.Operation is "CreateAlias" or "UpdateAlias" && c.What.Contains("alias/", StringComparison.Ordinal) => ["ValidationException"],
            Expect.KeyLookup => ["NotFoundException", baseline.Type ?? "(base succeeded)"],
            _ => throw new InvalidOperationException(c.Expect.ToString()),
        };
        return expected.Contains(got.Type) ? null : $"expected {string.Join(" or ", expected)}";
    }

    private static async Task<Outcome> SendAsync(HttpClient http, KmsServer server, string operation, byte[] body, CancellationToken ct)
    {
        var (status, type, message) = await new RawKmsRequest(server.Url, operation, body).Sign().SendAsync(http, ct);
        return new(status, type, message);
    }

    private static string? Cut(string? message) => message is { Length: > 200 } ? message[..200] + "..." : message;

    private sealed record Outcome(HttpStatusCode Status, string? Type, string? Message);

    /// <summary>Keeps the error-level (and worse) log lines of the server under test.</summary>
    private sealed class ErrorLogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLogCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner.Errors.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
                }
            }
        }
    }
}

[Collection("sqlite")]
public sealed class SqliteBadInputCorpusTests(SqliteFixture fixture) : BadInputCorpusTests(fixture);

[Collection("postgres")]
public sealed class PostgresBadInputCorpusTests(PostgresFixture fixture) : BadInputCorpusTests(fixture);
