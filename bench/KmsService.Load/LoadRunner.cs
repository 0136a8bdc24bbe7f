using System.Diagnostics;

namespace KmsService.Load;

/// <summary>Runs <see cref="LoadOptions.Concurrency"/> closed-loop workers for a warm-up and a measured window, then stops.</summary>
internal sealed class LoadRunner(LoadOptions options, IKmsDriver driver)
{
    public async Task<LoadResult> RunAsync(string keyId, string? signatureCheck, CancellationToken ct)
    {
        var pool = options.Operation is LoadOperation.Decrypt or LoadOperation.Mix
            ? await BuildPoolAsync(keyId, ct)
            : [];
        var algorithm = LoadOptions.KeyKindOf(options.Operation)?.Algorithm ?? string.Empty;
        var signed = options.Operation is LoadOperation.VerifyEcc or LoadOperation.VerifyRsa
            ? await BuildSignedPoolAsync(keyId, algorithm, ct)
            : [];

        var shared = new Shared(options.MaxRequests);
        var workers = new Worker[options.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new Worker(i);
        }

        var started = DateTimeOffset.UtcNow;
        var tasks = workers.Select(w => Task.Run(() => WorkAsync(w, shared, keyId, algorithm, pool, signed, ct), ct)).ToArray();

        await Task.Delay(options.Warmup, ct);

        var serverCpu0 = options.ServerPid is { } pid0 ? ProcStat.ProcessCpuSeconds(pid0) : null;
        var rss0 = options.ServerPid is { } pid1 ? ProcStat.ResidentMiB(pid1) : null;
        var machine0 = ProcStat.MachineBusySeconds();
        var client0 = Process.GetCurrentProcess().TotalProcessorTime;
        var t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref shared.Measuring, true);

        await Task.WhenAny(Task.Delay(options.Duration, ct), shared.MaxReached.Task);

        Volatile.Write(ref shared.Measuring, false);
        var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var client1 = Process.GetCurrentProcess().TotalProcessorTime;
        var machine1 = ProcStat.MachineBusySeconds();
        var serverCpu1 = options.ServerPid is { } pid2 ? ProcStat.ProcessCpuSeconds(pid2) : null;
        var rss1 = options.ServerPid is { } pid3 ? ProcStat.ResidentMiB(pid3) : null;
        Volatile.Write(ref shared.Stop, true);

        // Workers finish their in-flight call; the HTTP timeout bounds the wait.
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(40), ct);

        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (code, count) in workers.SelectMany(w => w.Errors))
        {
            errors[code] = errors.GetValueOrDefault(code) + count;
        }

        long requests = latencies.Length;
        double? PerRequest(double? before, double? after) =>
            before is { } b && after is { } a && requests > 0 ? (a - b) * 1e6 / requests : null;

        return new LoadResult
        {
            Target = options.Target,
            Endpoint = options.Endpoint.ToString(),
            Operation = LoadOptions.OperationName(options.Operation),
            Client = options.Client == ClientKind.Sdk ? "sdk" : "raw",
            Concurrency = options.Concurrency,
            WarmupSeconds = options.Warmup.TotalSeconds,
            MeasuredSeconds = elapsed,
            Requests = requests,
            Errors = errors.Values.Sum(),
            RequestsPerSecond = requests / elapsed,
            LatencyMs = Summarise(latencies),
            ErrorsByCode = errors,
            WarmupRequests = workers.Sum(w => w.WarmupRequests),
            WarmupErrors = workers.Sum(w => w.WarmupErrors),
            ServerCpuMicrosPerRequest = PerRequest(serverCpu0, serverCpu1),
            ServerCpuCores = serverCpu0 is { } s0 && serverCpu1 is { } s1 ? (s1 - s0) / elapsed : null,
            ServerRssMiBStart = rss0,
            ServerRssMiBEnd = rss1,
            ClientCpuMicrosPerRequest = PerRequest(client0.TotalSeconds, client1.TotalSeconds) ?? 0,
            MachineCpuMicrosPerRequest = PerRequest(machine0, machine1),
            PlaintextBytes = options.PlaintextBytes,
            SignatureCheck = signatureCheck,
            StartedUtc = started,
            ProcessorCount = Environment.ProcessorCount,
        };
    }

    private async Task WorkAsync(
        Worker worker, Shared shared, string keyId, string algorithm, byte[][] pool, (byte[] Message, byte[] Signature)[] signed, CancellationToken ct)
    {
        var random = new Random(worker.Index * 7919 + 17);
        while (!Volatile.Read(ref shared.Stop) && !ct.IsCancellationRequested)
        {
            var op = options.Operation == LoadOperation.Mix
                ? (LoadOperation)random.Next(3)
                : options.Operation;

            Task<CallResult> VerifyOneAsync((byte[] Message, byte[] Signature) pair) =>
                driver.VerifyAsync(keyId, algorithm, pair.Message, pair.Signature, ct);

            var start = Stopwatch.GetTimestamp();
            CallResult result;
            try
            {
                result = op switch
                {
                    LoadOperation.Encrypt => await driver.EncryptAsync(keyId, FreshPlaintext(), false, ct),
                    LoadOperation.Decrypt => await driver.DecryptAsync(pool[random.Next(pool.Length)], ct),
                    LoadOperation.GenerateDataKey => await driver.GenerateDataKeyAsync(keyId, ct),
                    LoadOperation.SignEcc or LoadOperation.SignRsa => await driver.SignAsync(keyId, algorithm, FreshPlaintext(), false, ct),
                    LoadOperation.VerifyEcc or LoadOperation.VerifyRsa => await VerifyOneAsync(signed[random.Next(signed.Length)]),
                    _ => await driver.GenerateMacAsync(keyId, algorithm, FreshPlaintext(), ct),
                };
            }
            catch (HttpRequestException e)
            {
                result = CallResult.Failure($"transport: {e.HttpRequestError}");
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                result = CallResult.Failure("transport: timeout");
            }

            var end = Stopwatch.GetTimestamp();
            if (!Volatile.Read(ref shared.Measuring))
            {
                worker.WarmupRequests++;
                worker.WarmupErrors += result.Ok ? 0 : 1;
                continue;
            }

            worker.Latencies.Add(end - start);
            if (!result.Ok)
            {
                worker.Errors[result.Error!] = worker.Errors.GetValueOrDefault(result.Error!) + 1;
            }

            if (Interlocked.Increment(ref shared.Count) >= shared.MaxRequests)
            {
                shared.MaxReached.TrySetResult();
            }
        }
    }

    /// <summary>Encrypts distinct random plaintexts so that Decrypt has real ciphertexts of this server to send.</summary>
    private Task<byte[][]> BuildPoolAsync(string keyId, CancellationToken ct) =>
        FillPoolAsync(
            async () =>
            {
                var result = await driver.EncryptAsync(keyId, FreshPlaintext(), true, ct);
                return result.Output ?? throw new InvalidOperationException($"Encrypt for the Decrypt pool failed: {result.Error}");
            },
            ct);

    /// <summary>Signs distinct random messages so that Verify has valid signatures of this server's key to send.</summary>
    private Task<(byte[] Message, byte[] Signature)[]> BuildSignedPoolAsync(string keyId, string algorithm, CancellationToken ct) =>
        FillPoolAsync(
            async () =>
            {
                var message = FreshPlaintext();
                var result = await driver.SignAsync(keyId, algorithm, message, true, ct);
                return (message, result.Output ?? throw new InvalidOperationException($"Sign for the Verify pool failed: {result.Error}"));
            },
            ct);

    /// <summary>A pool of <see cref="LoadOptions.DecryptPoolSize"/> items made by up to 16 callers at once.</summary>
    private async Task<T[]> FillPoolAsync<T>(Func<Task<T>> make, CancellationToken ct)
    {
        var pool = new T[options.DecryptPoolSize];
        var next = -1;
        var fillers = Enumerable.Range(0, Math.Min(options.Concurrency, 16)).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < pool.Length)
                {
                    pool[i] = await make();
                }
            },
            ct));
        await Task.WhenAll(fillers);
        return pool;
    }

    // Fresh pseudo-random bytes for every request; the server cannot tell them from RandomNumberGenerator's, and they
    // cost the load tool no system call.
    private byte[] FreshPlaintext()
    {
        var plaintext = new byte[options.PlaintextBytes];
        Random.Shared.NextBytes(plaintext);
        return plaintext;
    }

    private static LatencySummary Summarise(long[] sorted)
    {
        if (sorted.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        static double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Rank(double p) => Ms(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);
        return new LatencySummary(Ms(sorted.Average()), Rank(0.50), Rank(0.90), Rank(0.99), Ms(sorted[^1]));
    }

    private sealed class Shared(long maxRequests)
    {
        public readonly long MaxRequests = maxRequests;
        public readonly TaskCompletionSource MaxReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Measuring;
        public bool Stop;
        public long Count;
    }

    private sealed class Worker(int index)
    {
        public int Index { get; } = index;

        public List<long> Latencies { get; } = new(1 << 16);

        public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

        public long WarmupRequests { get; set; }

        public long WarmupErrors { get; set; }
    }
}
